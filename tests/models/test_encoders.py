import sys

import pytest
import torch

from onediff_kit.registry import MODELS

BACKBONES = {
    'resnet': dict(type='mmpretrain.ResNet', depth=18, base_channels=8,
                   out_indices=(1, 2, 3)),
    'mobilenetv2': dict(type='MobileNetV2', widen_factor=0.25,
                        out_indices=(2, 4, 6)),
    'vit': dict(type='mmpretrain.VisionTransformer',
                arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                          feedforward_channels=64),
                img_size=32, patch_size=8, out_indices=(0, 1)),
    'deit': dict(type='mmpretrain.DistilledVisionTransformer',
                 arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                           feedforward_channels=64),
                 img_size=32, patch_size=8, out_indices=(1, )),
    'swin': dict(type='mmpretrain.SwinTransformer',
                 arch=dict(embed_dims=16, depths=[1, 1, 1, 1],
                           num_heads=[1, 1, 2, 2]),
                 img_size=32, window_size=2, pad_small_map=True,
                 out_indices=(1, 2, 3)),
    'convnext': dict(type='mmpretrain.ConvNeXt',
                     arch=dict(depths=[1, 1, 1, 1],
                               channels=[8, 16, 32, 64]),
                     out_indices=(1, 2, 3)),
}


def build(name, **kw):
    return MODELS.build(dict(type='MMPretrainEncoder',
                             backbone=BACKBONES[name], probe_size=32, **kw))


@pytest.mark.parametrize('name', list(BACKBONES))
def test_mmpretrain_encoder_contract(name):
    enc = build(name)
    assert enc.component_kind == 'encoder'
    images = torch.randn(2, 2, 3, 32, 32, requires_grad=True)
    feats = enc(images)
    assert len(feats) == len(BACKBONES[name]['out_indices'])
    for feat, c in zip(feats, enc.out_channels):
        assert feat.dim() == 5 and feat.shape[:3] == (2, 2, c)
    sum(f.float().mean() for f in feats).backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert all(p.grad is not None for p in enc.parameters()
               if p.requires_grad)


def test_one_batched_forward_with_shared_weights():
    enc = build('mobilenetv2').eval()
    calls = []
    enc.backbone.register_forward_hook(
        lambda m, i, o: calls.append(i[0].shape[0]))
    images = torch.randn(3, 2, 3, 32, 32)
    feats = enc(images)
    assert calls == [6]  # both images of 3 pairs, one forward
    swapped = enc(images.flip(1))
    for f, s in zip(feats, swapped):
        torch.testing.assert_close(f[:, 0], s[:, 1])


def test_freeze_all_and_first_stages():
    enc = build('resnet', frozen_stages='all')
    assert not any(p.requires_grad for p in enc.parameters())
    enc.train()
    assert not enc.backbone.training
    enc = build('resnet', frozen_stages=1)
    assert not any(p.requires_grad for p in enc.backbone.layer1.parameters())
    assert all(p.requires_grad for p in enc.backbone.layer3.parameters())
    with pytest.raises(ValueError, match='encoder.frozen_stages'):
        build('resnet', frozen_stages='some')


def test_non_map_output_is_a_clear_error():
    cfg = dict(BACKBONES['vit'], out_type='cls_token')
    with pytest.raises(ValueError, match='out_type'):
        MODELS.build(dict(type='MMPretrainEncoder', backbone=cfg,
                          probe_size=32))


def test_unknown_backbone_names_type_and_import_failure(monkeypatch):
    cfg = dict(type='MMPretrainEncoder', backbone=dict(type='NoSuchNet'))
    with pytest.raises(KeyError, match='"mmpretrain.NoSuchNet" is not a '
                       r'registered mmpretrain backbone\W*$'):
        MODELS.build(cfg)
    # A dependency of mmpretrain missing: mmengine's lookup hides why.
    monkeypatch.setitem(sys.modules, 'mmpretrain.models', None)
    with pytest.raises(KeyError, match='importing mmpretrain.models failed: '
                       'ModuleNotFoundError'):
        MODELS.build(cfg)


def test_hf_vision_encoder_layers(tiny_clip_dir):
    enc = MODELS.build(dict(type='HFVisionEncoder', model_path=tiny_clip_dir,
                            layers=(1, 2, 3)))
    images = torch.randn(2, 2, 3, 32, 32)
    feats = enc(images)
    assert enc.out_channels == (32, 32, 32)
    assert [tuple(f.shape) for f in feats] == [(2, 2, 32, 4, 4)] * 3
    feats[-1].mean().backward()
    assert enc.model.encoder.layers[0].mlp.fc1.weight.grad is not None
    with pytest.raises(IndexError, match='encoder.layers'):
        MODELS.build(dict(type='HFVisionEncoder', model_path=tiny_clip_dir,
                          layers=(9, )))


@pytest.mark.parametrize('name', ['convnext', 'swin'])
def test_builds_under_the_runner_scope(name):
    # A Runner sets default_scope='onediff_kit'; mmpretrain's internal
    # builds (e.g. ConvNeXt's LN2d) must still resolve.
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        enc = build(name)
    assert len(enc(torch.randn(1, 2, 3, 32, 32))) == 3

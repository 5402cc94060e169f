import collections

import pytest
import torch

from onediff_kit.checkpoint import UnsafeCheckpointError, load_local


class ForeignPayload:
    """A class a stranger's checkpoint could smuggle in."""

    def __init__(self):
        self.value = 1


def test_plain_checkpoint_loads(tmp_path):
    path = tmp_path / 'ok.pth'
    torch.save({'state_dict': collections.OrderedDict(w=torch.ones(2)),
                'meta': {'iter': 3, 'cfg': 'x = 1'}}, path)
    ckpt = load_local(str(path))
    assert ckpt['meta']['iter'] == 3
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_foreign_global_is_refused_with_reason(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': ForeignPayload()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_local(str(path))
    message = str(info.value)
    assert str(path) in message
    assert 'ForeignPayload' in message
    assert 'weights_only=False' in message  # how to load it deliberately


def test_mmengine_load_checkpoint_goes_through_safe_loader(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    import onediff_kit  # noqa: F401
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': ForeignPayload()}, path)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local(str(tmp_path / 'nope.pth'))

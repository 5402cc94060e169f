import collections
import pickle
import zipfile

import pytest
import torch

from onediff_kit.checkpoint import (NotACheckpointError,
                                    UnsafeCheckpointError, load_local)


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
    import onediff_kit
    onediff_kit.init()  # switches the safe loader on (tests/conftest did)
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': ForeignPayload()}, path)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local(str(tmp_path / 'nope.pth'))


NOT_CHECKPOINTS = {
    'png': (b'\x89PNG\r\n\x1a\n' + bytes(32), 'a PNG image'),
    'jpg': (b'\xff\xd8\xff\xe0' + bytes(32), 'a JPEG image'),
    'gif': (b'GIF89a' + bytes(32), 'a GIF image'),
    'json': (b'{"state_dict": {}}\n', 'a JSON text file'),
    'yaml': (b'model:\n  type: OneDiff\n', 'a YAML text file'),
    'empty': (b'', 'an empty file'),
}


@pytest.mark.parametrize('kind', sorted(NOT_CHECKPOINTS))
def test_a_file_that_is_no_checkpoint_is_called_that(tmp_path, kind):
    data, what = NOT_CHECKPOINTS[kind]
    path = tmp_path / f'some.{kind}'
    path.write_bytes(data)
    with pytest.raises(NotACheckpointError) as info:
        load_local(str(path))
    assert str(info.value).startswith(
        f'{path} is not a PyTorch checkpoint (it looks like {what})')


def test_zip_without_data_pkl_is_no_checkpoint(tmp_path):
    path = tmp_path / 'weights.zip'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('readme.txt', 'hello')
    with pytest.raises(NotACheckpointError, match='zip archive without'):
        load_local(str(path))


@pytest.mark.parametrize('zipped', [True, False])
def test_torch_save_formats_still_load(tmp_path, zipped):
    path = tmp_path / 'ok.pth'
    torch.save({'w': torch.ones(2)}, path,
               _use_new_zipfile_serialization=zipped)
    assert torch.equal(load_local(str(path))['w'], torch.ones(2))


def test_foreign_pickles_keep_the_security_message(tmp_path):
    path = tmp_path / 'legacy_evil.pth'
    torch.save({'payload': ForeignPayload()}, path,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='arbitrary code'):
        load_local(str(path))
    raw = tmp_path / 'raw.pkl'
    raw.write_bytes(pickle.dumps(ForeignPayload(), protocol=0))
    with pytest.raises(UnsafeCheckpointError):
        load_local(str(raw))


def test_mmengine_load_checkpoint_names_an_image(tmp_path):
    # the path of `onediff caption --checkpoint` and load_from
    from mmengine.runner.checkpoint import load_checkpoint
    image = tmp_path / 'some_image.png'
    image.write_bytes(NOT_CHECKPOINTS['png'][0])
    with pytest.raises(NotACheckpointError,
                       match=r'not a PyTorch checkpoint \(it looks like a '
                       'PNG image\\)'):
        load_checkpoint(torch.nn.Linear(2, 2), str(image),
                        map_location='cpu')

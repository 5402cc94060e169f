"""Checkpoints and the last_checkpoint marker are written atomically."""
import os

import pytest
from mmengine.fileio import get_file_backend

from onediff_kit.cli import train
from onediff_kit.engine.fileio import AtomicLocalBackend
from onediff_kit.fileio import atomic_write_bytes, remove_stale_temporaries

from .engine_config import write_config


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path,
                                                          monkeypatch):
    path = tmp_path / 'iter_2.pth'
    atomic_write_bytes(path, b'old complete checkpoint')

    def crash(fd):
        raise OSError('disk gone (simulated kill while saving)')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='simulated'):
        atomic_write_bytes(path, b'new, never finished')
    assert path.read_bytes() == b'old complete checkpoint'
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_stale_temporaries_are_found(tmp_path):
    atomic_write_bytes(tmp_path / 'a.pth', b'x')
    stale = tmp_path / '.iter_4.pth.onediff-tmp-123-abc'
    stale.write_bytes(b'half')
    assert remove_stale_temporaries(str(tmp_path)) == [str(stale)]
    assert sorted(os.listdir(tmp_path)) == ['a.pth']


def test_backend_is_registered_for_mmengine():
    backend = get_file_backend(
        '/tmp/x.pth', backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)


def test_training_saves_through_the_atomic_backend(tmp_path, monkeypatch):
    written = []
    original = AtomicLocalBackend.put

    def spy(self, obj, filepath):
        written.append(os.path.basename(filepath))
        return original(self, obj, filepath)

    monkeypatch.setattr(AtomicLocalBackend, 'put', spy)
    cfg = write_config(tmp_path / 'cfg.py', max_iters=6, interval=2,
                       max_keep_ckpts=1)
    work = tmp_path / 'work'
    train.main([str(cfg), '--work-dir', str(work)])
    assert written == ['iter_2.pth', 'iter_4.pth', 'iter_6.pth']
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_6.pth')
    # max_keep_ckpts still applies, after the new checkpoint is complete
    assert sorted(p.name for p in work.glob('*.pth')) == ['iter_6.pth']
    assert not list(work.glob('.*onediff-tmp*'))

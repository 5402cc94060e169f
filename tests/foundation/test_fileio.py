"""One atomic-write helper: a failed write leaves the old file, no temporary."""
import json
import os

import pytest

from onediff_kit.fileio import atomic_open, atomic_write_text, is_temporary


def test_exception_inside_the_block_keeps_the_old_file(tmp_path):
    path = tmp_path / 'preds.json'
    atomic_write_text(path, '[]')
    with pytest.raises(RuntimeError, match='mid-write'):
        with atomic_open(path, 'w', fsync=False) as f:
            f.write('[{"image_id": ')
            raise RuntimeError('mid-write')
    assert path.read_text() == '[]'
    assert os.listdir(tmp_path) == ['preds.json']


def test_text_write_creates_the_folder_and_replaces_whole(tmp_path):
    path = tmp_path / 'new' / 'out.json'
    with atomic_open(path, 'w') as f:
        assert is_temporary(f.name) and not path.exists()
        json.dump({'caption': 'ein Würfel'}, f, ensure_ascii=False)
    assert json.loads(path.read_text(encoding='utf-8')) == {
        'caption': 'ein Würfel'}
    assert os.listdir(path.parent) == ['out.json']


def test_only_write_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"):
        with atomic_open(tmp_path / 'x', 'a'):
            pass

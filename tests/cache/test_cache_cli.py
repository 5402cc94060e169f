"""`onediff cache info|clear DIR`."""
import json

import torch

from onediff_kit.cache import FeatureCache, cache_summary
from onediff_kit.cli.main import main as onediff


class Pool(torch.nn.Module):
    def forward(self, x):
        return (x, x.mean(dim=(3, 4), keepdim=True))


def fill(root, n=3):
    cache = FeatureCache(str(root))
    cache(Pool().eval(), torch.rand(n, 2, 3, 8, 8))
    return cache


def test_info_and_clear(tmp_path, capsys):
    root = tmp_path / 'cache'
    fill(root)
    (root / 'notes.txt').write_text('not ours')
    assert onediff(['cache', 'info', str(root)]) == 0
    out = capsys.readouterr().out
    assert '6 entries in 1 namespace(s)' in out
    assert 'encoder None' in out and '2 levels stored as float32' in out
    assert onediff(['cache', 'info', str(root), '--json']) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]['entries'] == 6 and rows[0]['bytes'] > 6 * 3 * 8 * 8 * 4

    assert onediff(['cache', 'clear', str(root)]) == 0
    assert '6 entries' in capsys.readouterr().out
    assert sorted(p.name for p in root.iterdir()) == [
        'notes.txt', 'onediff_feature_cache.json']
    cache = fill(root, n=1)
    assert cache.misses == 2


def test_refuses_a_directory_that_is_no_cache(tmp_path, capsys):
    (tmp_path / 'keep.txt').write_text('x')
    assert onediff(['cache', 'clear', str(tmp_path)]) == 2
    assert 'is not a feature cache' in capsys.readouterr().err
    assert (tmp_path / 'keep.txt').exists()
    assert onediff(['cache', 'info', str(tmp_path / 'missing')]) == 2


def _dead_pid():
    """A pid that runs no process here (a child that has exited)."""
    import subprocess
    import sys
    child = subprocess.run([sys.executable, '-c', 'import os; '
                            'print(os.getpid())'], capture_output=True,
                           text=True, check=True)
    return int(child.stdout)


def test_clear_stale_removes_only_interrupted_writers(tmp_path, capsys):
    from onediff_kit.fileio import TMP_MARK, is_temporary
    import os
    import time
    root = tmp_path / 'cache'
    fill(root)
    entries = sorted(p for p in root.rglob('*.npy') if not is_temporary(p))
    folder = entries[0].parent
    name = entries[0].name
    dead = folder / f'.{name}{TMP_MARK}{_dead_pid()}-0a1b2c3d'
    live = folder / f'.{name}{TMP_MARK}{os.getpid()}-0a1b2c3e'
    old = folder / f'.{name}{TMP_MARK}{os.getpid()}-0a1b2c3f'
    meta = root / next(root.glob('*/meta.json')).parent.name / \
        f'.meta.json{TMP_MARK}{_dead_pid()}-0a1b2c40'
    for path in (dead, live, old, meta):
        path.write_bytes(b'half an entry')
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    assert onediff(['cache', 'info', str(root)]) == 0
    assert '4 temporary files' in capsys.readouterr().out
    assert onediff(['cache', 'clear', '--stale', str(root)]) == 0
    assert 'cleared 3 temporary files' in capsys.readouterr().out
    assert not dead.exists() and not old.exists() and not meta.exists()
    assert live.exists()  # this process, writing right now
    assert all(p.exists() for p in entries)  # the cache stays
    assert [r['entries'] for r in cache_summary(str(root))] == [6]
    # A shorter --min-age takes the live-looking one too.
    assert onediff(['cache', 'clear', '--stale', '--min-age', '0',
                    str(root)]) == 0
    assert not live.exists()

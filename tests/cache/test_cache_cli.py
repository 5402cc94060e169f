"""`onediff cache info|clear DIR`."""
import json

import torch

from onediff_kit.cache import FeatureCache
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

"""bench.probe_change_map: where the aligned and matched change maps peak."""
import json
import os

import pytest
import torch

from bench import probe_change_map as probe
from onediff_data.clevr_render import release

from ..data.test_clevr_render import assets  # noqa: F401
from .test_clevr_change_stats import renders  # noqa: F401


def test_matched_map_finds_an_object_under_a_shift():
    g = torch.Generator().manual_seed(0)
    before = torch.randn(1, 8, 12, 18, generator=g)
    after = torch.cat([before[..., :1], before[..., :-1]], dim=-1)
    after[0, :, 5, 9] += 4.0  # one new thing at row 5, column 9
    maps = probe.change_maps(before, after, pool=6, radii=[1])
    assert set(maps) == {'aligned', 'matched r1'}
    assert maps['matched r1'].shape == maps['aligned'].shape == (1, 4, 6)
    # Its 2x3-place grid cell, as a box in fractions, is where r1 peaks.
    box = [9 / 18, 5 / 12, 10 / 18, 6 / 12]
    assert probe.hit(maps['matched r1'][0].numpy(), [box])


def test_hit_widens_the_box_by_one_cell():
    cmap = torch.zeros(4, 4)
    cmap[0, 0] = 1.0  # peak at (0.125, 0.125)
    assert probe.hit(cmap.numpy(), [[0.2, 0.2, 0.5, 0.5]])
    assert not probe.hit(cmap.numpy(), [[0.5, 0.5, 0.9, 0.9]])


def test_probe_reads_a_manifest_and_prints_each_map(renders, capsys):  # noqa: F811,E501
    """Pairs of the render folder, every box the whole frame: every map's
    peak is a hit; a ``none`` pair is not probed."""
    records = []
    for i in range(4):
        paths = release.paths(renders, i)
        rel = {k: os.path.relpath(v['image'], renders)
               for k, v in paths.items()}
        records.append(dict(pair_id=f'{i:06d}', before=rel['before'],
                            after=rel['semantic'], change_type='color',
                            meta=dict(box_before=[0, 0, 1, 1],
                                      box_after=None)))
        records.append(dict(pair_id=f'{i:06d}_n', before=rel['before'],
                            after=rel['nonsemantic'], change_type='none'))
    (renders / 'manifest.jsonl').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))
    assert probe.main(['--root', str(renders), '--radii', '1']) == 0
    out = capsys.readouterr().out
    assert '4 semantic pairs with a box (0 without' in out
    rows = [line for line in out.splitlines() if line.startswith('| ')]
    assert rows[0] == '| map | peak on the changed object | color |'
    assert rows[1:] == ['| aligned | 1.000 | 1.00 |',
                        '| matched r1 | 1.000 | 1.00 |']


def test_probe_without_a_manifest_says_what_to_run(tmp_path):
    with pytest.raises(SystemExit, match='bench_clevr_change_eval'):
        probe.main(['--root', str(tmp_path)])

"""CLEVR-Change rendering without Blender: scene rules, determinism,
sharding, resume, the release index and the errors."""
import json
import math
import os

import pytest

from onediff_data.clevr_render import release
from onediff_data.clevr_render.renderer import (ClevrChangeRenderer,
                                                RenderError, check_assets,
                                                parse_shard)
from onediff_data.clevr_render.scene import (CHANGE_TYPES, DIRECTIONS,
                                             SceneRules)

# CLEVR's properties.json, as clevr-dataset-gen ships it.
PROPERTIES = {
    'shapes': {'cube': 'SmoothCube_v2', 'sphere': 'Sphere',
               'cylinder': 'SmoothCylinder'},
    'colors': {'gray': [87, 87, 87], 'red': [173, 35, 35],
               'blue': [42, 75, 215], 'green': [29, 105, 20],
               'brown': [129, 74, 25], 'purple': [129, 38, 192],
               'cyan': [41, 208, 208], 'yellow': [255, 238, 51]},
    'materials': {'rubber': 'Rubber', 'metal': 'MyMetal'},
    'sizes': {'large': 0.7, 'small': 0.35},
}


@pytest.fixture(scope='module')
def rules():
    return SceneRules(PROPERTIES)


def _check_clevr_rules(rules, objects):
    for i, a in enumerate(objects):
        assert abs(a['x']) <= rules.extent and abs(a['y']) <= rules.extent
        for b in objects[:i]:
            dx, dy = a['x'] - b['x'], a['y'] - b['y']
            gap = math.hypot(dx, dy) - rules.radius(a) - rules.radius(b)
            assert gap >= rules.min_dist
            for vx, vy in DIRECTIONS.values():
                assert not 0 < dx * vx + dy * vy < rules.margin


def test_triplets_follow_clevr_rules_and_have_one_change(rules):
    seen = set()
    for index in range(40):
        t = rules.triplet(index, seed=3)
        before, after = t['objects']['before'], t['objects']['semantic']
        assert t['objects']['nonsemantic'] == before
        assert 3 <= len(before) <= 10 and 3 <= len(after) <= 10
        _check_clevr_rules(rules, before)
        _check_clevr_rules(rules, after)
        kind, truth = t['change_type'], t['change']
        seen.add(kind)
        assert kind == truth['type'] == CHANGE_TYPES[index % 5]
        if kind == 'add':
            assert after[:-1] == before and after[-1] == truth['object']
        elif kind == 'drop':
            i = truth['index_before']
            assert after == before[:i] + before[i + 1:]
        else:
            i = truth['index_after']
            differ = [k for k in before[i] if before[i][k] != after[i][k]]
            assert after[:i] + after[i + 1:] == before[:i] + before[i + 1:]
            expected = ['x', 'y'] if kind == 'move' else [kind]
            assert sorted(differ) == expected
            if kind == 'move':
                assert math.dist(truth['old'], truth['new']) >= \
                    rules.min_move
            else:
                assert (truth['old'], truth['new']) == (before[i][kind],
                                                        after[i][kind])
        # Both after images have their own camera and light jitter.
        views = t['views']
        assert views['semantic'] != views['before']
        assert views['nonsemantic'] != views['before']
        assert views['semantic'] != views['nonsemantic']
    assert seen == set(CHANGE_TYPES)


def test_jitter_sizes_are_the_configured_ones():
    zero = SceneRules(PROPERTIES, camera_jitter=0, light_jitter=0,
                      view_camera_jitter=0.1, view_light_jitter=0)
    t = zero.triplet(0)
    assert t['views']['before']['camera'] == [0, 0, 0]
    moved = t['views']['semantic']
    assert all(abs(v) <= 0.1 for v in moved['camera'])
    assert any(v != 0 for v in moved['camera'])
    assert moved['key'] == [0, 0, 0]


def test_a_triplet_depends_on_seed_index_and_attempt_only(rules):
    a = rules.triplet(7, seed=1)
    assert SceneRules(PROPERTIES).triplet(7, seed=1) == a
    # Sampling other triplets first changes nothing (shard independence).
    for i in range(7):
        rules.triplet(i, seed=1)
    assert rules.triplet(7, seed=1) == a
    assert rules.triplet(7, seed=2) != a
    assert rules.triplet(7, seed=1, attempt=1) != a


def test_split_fractions(rules):
    splits = [rules.split_of(i, 0) for i in range(2000)]
    assert abs(splits.count('train') / 2000 - 0.85) < 0.03
    assert abs(splits.count('test') / 2000 - 0.10) < 0.03
    assert SceneRules(PROPERTIES, split_fractions=(0, 0, 1)).split_of(
        5, 0) == 'test'


def test_parse_shard():
    assert parse_shard('2/8') == (2, 8)
    for bad in ('8/8', 'x', '1/0', '-1/4'):
        with pytest.raises(ValueError, match='--shard'):
            parse_shard(bad)


def test_missing_assets_are_named(tmp_path):
    with pytest.raises(RenderError, match='properties.json'):
        check_assets(tmp_path)
    (tmp_path / 'properties.json').write_text(json.dumps(PROPERTIES))
    (tmp_path / 'shapes').mkdir()
    (tmp_path / 'shapes' / 'Sphere.blend').write_bytes(b'')
    with pytest.raises(RenderError) as exc:
        check_assets(tmp_path)
    text = str(exc.value)
    assert str(tmp_path) in text and 'base_scene.blend' in text
    assert 'shapes/SmoothCylinder.blend' in text
    assert 'materials/MyMetal.blend' in text
    assert 'shapes/Sphere.blend' not in text


def test_no_blender_gives_the_install_command(tmp_path):
    gen = ClevrChangeRenderer(tmp_path, blender='no-such-blender-here')
    with pytest.raises(RenderError, match='apt-get install blender'):
        gen.generate(tmp_path / 'out', 1, progress=False)


class FakeRenderer(ClevrChangeRenderer):
    """Writes empty files instead of running Blender; fails on demand."""

    def __init__(self, *args, fail=(), hidden=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fail, self.hidden, self.calls = set(fail), set(hidden), []

    def _blender(self):
        return 'blender'

    def _run_batch(self, blender, props, batch, out, scratch,
                   on_result=None):
        results = {}
        for t in batch:
            i = t['index']
            self.calls.append((i, t['attempt']))
            if i in self.fail:
                results[i] = dict(status='error', error='boom')
            elif i in self.hidden and t['attempt'] == 0:
                results[i] = dict(status='invisible')
            else:
                for image in release.paths(out, i).values():
                    for p in image.values():
                        os.makedirs(os.path.dirname(p), exist_ok=True)
                        open(p, 'w').close()
                results[i] = dict(status='ok')
        return results


@pytest.fixture
def assets(tmp_path):
    root = tmp_path / 'assets'
    for name in ['base_scene.blend'] + [
            f'shapes/{s}.blend' for s in PROPERTIES['shapes'].values()] + [
            f'materials/{m}.blend' for m in PROPERTIES['materials'].values()]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b'')
    (root / 'properties.json').write_text(json.dumps(PROPERTIES))
    return root


def test_shards_resume_retry_and_index(assets, tmp_path):
    out = tmp_path / 'out'
    gen = FakeRenderer(assets, workers=2, fail=[4], hidden=[1])
    summary = gen.generate(out, 6, seed=0, progress=False, shard='1/2')
    # Shard 1 of 2: indices 1, 3, 5; 1 resampled once, none failed.
    assert sorted({i for i, _ in gen.calls}) == [1, 3, 5]
    assert (1, 1) in gen.calls and summary['resampled'] == 1
    assert summary['rendered'] == 3 and summary['failed'] == {}
    assert summary['total'] == 3
    summary = gen.generate(out, 6, seed=0, progress=False, shard='0/2')
    # Index 4 fails twice (one retry), is skipped and counted.
    assert gen.calls.count((4, 0)) == 2
    assert list(summary['failed']) == [4] and 'boom' in summary['failed'][4]
    assert summary['total'] == 5
    gen.calls.clear()
    summary = gen.generate(out, 6, seed=0, progress=False)
    assert [i for i, _ in gen.calls] == [4, 4]  # only the missing one
    assert summary['skipped'] == 5

    splits = json.loads((out / 'splits.json').read_text())
    indexed = sorted(i for s in splits.values() for i in s)
    assert indexed == [0, 1, 2, 3, 5]
    types = json.loads((out / 'type_mapping.json').read_text())
    assert types['drop'] == ['000003.png']
    change = json.loads((out / 'change_captions.json').read_text())
    no_change = json.loads((out / 'no_change_captions.json').read_text())
    assert set(change) == set(no_change) == {
        f'CLEVR_default_{i:06d}.png' for i in indexed}
    assert all(len(c) == 5 for c in change.values())
    # The resampled triplet's description is its second sample.
    assert json.loads(release.triplet_path(out, 1).read_text())[
        'attempt'] == 1
    assert not list(out.glob('**/*.tmp'))


def test_captions_name_the_change(rules):
    t = rules.triplet(0, seed=0)  # a colour change
    change, no_change = release.captions(t)
    new = t['change']['new']
    assert all(new in c for c in change)
    assert len(set(no_change)) == 5


def test_command_line_errors(assets, tmp_path, capsys):
    from onediff_kit.cli.main import main as onediff
    base = ['data', 'render', 'clevr-change', '--assets', str(assets),
            '--out', str(tmp_path / 'out'), '--num', '1']
    assert onediff(base + ['--blender', 'no-such-blender-here']) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'apt-get install blender' in err
    assert onediff(base + ['--size', '480']) == 2
    assert '--size' in capsys.readouterr().err

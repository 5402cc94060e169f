"""The fast renderer of CLEVR-Change triplets (synth/clevr_view.py)."""
import json

import numpy as np
import pytest

from onediff_data.clevr_render.change_stats import changed_fraction
from onediff_data.synth import clevr_view

from .test_clevr_render import PROPERTIES


def test_projection_matches_blender():
    # A Blender 3.4 render of CLEVR's base scene at 240x160: the scene
    # file's camera_location and one object's 3d_coords / pixel_coords.
    view = dict(camera=list(np.subtract([7.3132, -6.4484, 4.8992],
                                        clevr_view.CAMERA_HOME)))
    col, row, _, _ = clevr_view.project([-2.6304, 0.2715, 0.35],
                                        clevr_view.camera(view), (240, 160))
    # Blender rounds pixel_coords to whole pixels.
    assert abs(col - 88) <= 0.5 and abs(row - 54) <= 0.5


def test_renders_a_triplet_in_a_3_2_frame():
    from onediff_data.clevr_render.scene import SceneRules
    rules = SceneRules(PROPERTIES)
    triplet = rules.triplet(0, seed=0)
    images = clevr_view.render_triplet(triplet, (96, 64))
    assert set(images) == {'before', 'semantic', 'nonsemantic'}
    for image in images.values():
        assert image.shape == (64, 96, 3) and image.dtype == np.uint8
    again = clevr_view.render_triplet(triplet, (96, 64))
    assert all((again[k] == images[k]).all() for k in images)
    # The jitter changes the distractor; a still view with the same
    # objects changes nothing.
    assert changed_fraction(images['before'], images['nonsemantic']) > 0
    still = clevr_view.render_view(triplet['objects']['before'],
                                   triplet['views']['before'], (96, 64))
    assert (still == images['before']).all()


def test_clevr_change_synth_generator(tmp_path):
    from PIL import Image

    from onediff_kit.data.jsonl import read_jsonl
    from onediff_kit.registry import GENERATORS
    gen = GENERATORS.build(dict(type='ClevrChangeSynthGenerator', size=96,
                                real_fraction=0, workers=1))
    summary = gen.generate(tmp_path / 'a', 20, seed=1, progress=False)
    assert summary['change_type']['none'] == 10
    records = list(read_jsonl(tmp_path / 'a' / 'manifest.jsonl'))
    for rec in records:
        with Image.open(tmp_path / 'a' / rec['after']) as im:
            assert im.size == (96, 64)
        if rec['change_type'] in ('color', 'material', 'move'):
            assert rec['meta']['box_before'] and rec['meta']['box_after']
        if rec['change_type'] == 'add':
            assert rec['meta']['box_before'] is None
    # A semantic pair and its distractor share the before image.
    a, b = (Image.open(tmp_path / 'a' / r['before']) for r in records[:2])
    assert np.array_equal(np.asarray(a), np.asarray(b))
    # The same pairs with two worker processes.
    gen2 = GENERATORS.build(dict(type='ClevrChangeSynthGenerator', size=96,
                                 real_fraction=0, workers=2))
    gen2.generate(tmp_path / 'b', 20, seed=1, progress=False)
    assert (tmp_path / 'b' / 'manifest.jsonl').read_text() == \
        (tmp_path / 'a' / 'manifest.jsonl').read_text()


def test_metal_and_rubber_look_different_in_clevr_colours():
    obj = dict(shape='sphere', color='red', material='rubber', size='large',
               x=0.0, y=0.0, rot=0.0)
    view = dict(camera=[0.0, 0.0, 0.0], key=[0.0, 0.0, 0.0])
    rubber = clevr_view.render_view([obj], view, (96, 64)).astype(int)
    metal = clevr_view.render_view([dict(obj, material='metal')], view,
                                   (96, 64)).astype(int)
    col, row = (int(v) for v in clevr_view.pixel_coords(obj, view,
                                                        (96, 64)))
    # Red in both, not the same red.
    for img in (rubber, metal):
        r, g, b = img[row, col]
        assert r > g + 20 and r > b + 20
    assert np.abs(rubber - metal).max() > 30
    # Every colour of the vocabulary has a Blender-fitted base colour.
    for material, colors in clevr_view.BASE_COLORS.items():
        assert set(colors) == set(PROPERTIES['colors']), material


def _face_gradient(material, rot, shading):
    """75th percentile of |row-to-row change| of a large cube's shading
    inside its silhouette (0 where each face is flat)."""
    from onediff_data.synth import render
    sa, _, alpha, _, _ = render.shading_sprite(
        'cube', material, 20.0, rot, clevr_view.SOLIDS, shading)
    inside = alpha > 0.99
    steps = np.abs(np.diff(sa, axis=0))[inside[1:] & inside[:-1]]
    return float(np.percentile(steps, 75))


def test_clevr_metal_faces_carry_a_gradient_and_rubber_faces_do_not():
    """CLEVR's metal mirrors the floor and sky with a gradient across each
    face; rubber is matte (a flat face is one shade)."""
    from onediff_data.synth import render
    for rot in (0, 30, 60):
        assert _face_gradient('rubber', rot, clevr_view.SHADING) < 1e-6
        assert _face_gradient('metal', rot, clevr_view.SHADING) > 1e-3
        # The square renderer's metal (no tilt): flat faces.
        assert _face_gradient('metal', rot, render.SHADING) < 1e-6


def test_cli_synth_rules_reach_the_scenes_and_info_json(tmp_path, capsys):
    """``--rules`` sets the scene rules (here a wider after-image camera
    jitter: the distractor changes more) and info.json records them; a
    generator without rules and rules that are not a JSON object are
    refused with the option named."""
    from PIL import Image

    from onediff_kit.cli.main import main
    from onediff_kit.data.jsonl import read_jsonl

    def distractor_change(out, rules):
        argv = ['data', 'synth', '--out', str(out), '--num', '8', '--seed',
                '2', '--size', '96', '--workers', '1', '--real-fraction',
                '0', '--generator', 'ClevrChangeSynthGenerator', '--quiet']
        assert main(argv + (['--rules', rules] if rules else [])) == 0
        records = [r for r in read_jsonl(out / 'manifest.jsonl')
                   if r['change_type'] == 'none']
        return np.mean([changed_fraction(
            *(np.asarray(Image.open(out / r[k]).convert('RGB'))
              for k in ('before', 'after'))) for r in records])

    still = distractor_change(tmp_path / 'still', '{"view_camera_jitter": 0,'
                              ' "view_light_jitter": 0}')
    wide = distractor_change(tmp_path / 'wide', '{"view_camera_jitter": 3}')
    assert still == 0 < wide
    info = json.loads((tmp_path / 'wide' / 'info.json').read_text())
    assert info['rules'] == {'view_camera_jitter': 3}
    capsys.readouterr()
    assert main(['data', 'synth', '--out', str(tmp_path / 'x'), '--num',
                 '2', '--generator', 'SynthDiffGenerator', '--rules',
                 '{"view_camera_jitter": 3}', '--quiet']) == 2
    assert 'rules' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(['data', 'synth', '--out', str(tmp_path / 'x'), '--rules',
              '[1, 2]'])
    assert 'expected a JSON object' in capsys.readouterr().err

"""``onediff data render clevr-change`` end to end with Debian's Blender:
two tiny triplets, imported by the clevr-change importer and scored.

Needs ``blender`` on PATH and CLEVR's assets in
../shared/data/clevr-assets. Without Blender the test skips, except under
CI (``CI=true``), where .ci/run installs it.
"""
import json
import shutil

import pytest

from onediff_kit.cli.main import main as onediff

from ..system_tools import skip_or_fail_in_ci


def _blender_or_skip():
    if shutil.which('blender'):
        return
    reason = ('blender not on PATH: install the Debian package blender '
              '(.ci/run does)')
    skip_or_fail_in_ci(reason)


@pytest.fixture(scope='module')
def rendered(shared_data, tmp_path_factory):
    _blender_or_skip()
    out = tmp_path_factory.mktemp('clevr_change_render')
    code = onediff(['data', 'render', 'clevr-change', '--assets',
                    str(shared_data / 'clevr-assets'), '--out', str(out),
                    '--num', '2', '--size', '48x32', '--samples', '4',
                    '--workers', '2', '--quiet'])
    assert code == 0
    return out


def test_release_layout(rendered):
    from PIL import Image
    for i in range(2):
        for folder, stem in (('images', 'default'), ('sc_images', 'semantic'),
                             ('nsc_images', 'nonsemantic')):
            with Image.open(rendered / folder /
                            f'CLEVR_{stem}_{i:06d}.png') as im:
                assert im.size == (48, 32)
        scene = json.loads(
            (rendered / 'scenes' / f'CLEVR_default_{i:06d}.json').read_text())
        assert 3 <= len(scene['objects']) <= 10
        for obj in scene['objects']:
            x0, y0, x1, y1 = obj['bbox']
            assert 0 <= x0 < x1 <= 48 and 0 <= y0 < y1 <= 32
            assert len(obj['3d_coords']) == len(obj['pixel_coords']) == 3
    assert not [p for p in rendered.rglob('*') if '.tmp' in p.name]


def test_images_carry_no_stamps(rendered):
    from PIL import Image
    with Image.open(rendered / 'images' / 'CLEVR_default_000000.png') as im:
        # Blender's date and render-time stamps would change every hash.
        assert not {'Date', 'Time', 'RenderTime'} & set(im.info)
        assert not [k for k in im.info if k.startswith('cycles.')]


def test_a_second_run_renders_nothing(rendered, shared_data, capsys):
    code = onediff(['data', 'render', 'clevr-change', '--assets',
                    str(shared_data / 'clevr-assets'), '--out',
                    str(rendered), '--num', '2', '--quiet'])
    assert code == 0
    assert 'rendered 0, already there 2, failed 0' in capsys.readouterr().out


def test_import_and_score(rendered, tmp_path):
    from onediff_kit.evaluation.score import score_files
    manifest = tmp_path / 'manifest.jsonl'
    assert onediff(['data', 'import', 'clevr-change', '--src',
                    str(rendered), '--out', str(manifest)]) == 0
    records = [json.loads(line)
               for line in manifest.read_text().splitlines()]
    assert len(records) == 4
    semantic = [r for r in records if r['change_type'] != 'none']
    assert [r['change_type'] for r in semantic] == ['color', 'material']
    for r in semantic:
        meta = r['meta']
        assert meta['box_before'] and meta['box_after']
        assert meta['new'] in r['captions'][0]
    # An oracle that repeats the first reference names every change.
    preds = tmp_path / 'preds.json'
    preds.write_text(json.dumps([
        dict(image_id=r['pair_id'], caption=r['captions'][0])
        for r in records]))
    result = score_files(str(preds), str(manifest), semantic=True,
                         protocol='clevr-change-duda', metrics=['CIDEr'])
    assert result['semantic']['counts']['pairs'] == 4
    assert result['semantic']['scores']['change_type_accuracy'] == 1.0
    assert result['scores']

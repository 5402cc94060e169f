import csv
import json

import pytest

from onediff_kit.cli.main import main
from onediff_kit.data import check_manifest, load_manifest
from onediff_kit.data.manifest import validate_record
from onediff_kit.registry import IMPORTERS


def _run(fmt, src, **kw):
    return IMPORTERS.build(dict(type=fmt, **kw))(src)


def _per_split(records):
    out = {}
    for r in records:
        out[r['split']] = out.get(r['split'], 0) + 1
    return out


def test_spot_the_diff_real_files(shared_data):
    src = shared_data / 'spot-the-diff'
    merged = _run('spot-the-diff', src)
    assert merged.stats['pairs'] == dict(train=8566, val=1493, test=1270)
    empty = dict(train=37, val=4, test=7)
    assert merged.stats['empty_references'] == empty
    # Training pairs without a caption go; val/test ones stay, flagged.
    assert merged.stats['dropped_empty'] == dict(train=37)
    assert _per_split(merged.records) == dict(train=8529, val=1493,
                                              test=1270)
    flagged = [r for r in merged.records if r.get('empty_references')]
    assert _per_split(flagged) == dict(val=4, test=7)
    assert all(r['captions'] == [''] for r in flagged)
    assert '9420' in {r['pair_id'] for r in flagged}
    dropped = _run('spot-the-diff', src, drop_empty_references=True)
    assert dropped.stats['dropped_empty'] == empty
    assert _per_split(dropped.records) == dict(train=8529, val=1489,
                                               test=1263)
    entries = _run('spot-the-diff', src, per_entry=True)
    assert entries.stats['pairs'] == dict(train=9524, val=1634, test=1404)
    assert entries.stats['empty_references'] == dict(train=47, val=6,
                                                     test=7)
    ids = [r['pair_id'] for r in merged.records]
    assert len(ids) == len(set(ids))
    for rec in merged.records:
        assert not validate_record(rec), rec
    rec = next(r for r in merged.records if r['pair_id'] == '256')
    assert rec['before'] == 'resized_images/256.png'
    assert rec['after'] == 'resized_images/256_2.png'
    assert 'person with umbrella is gone' in rec['captions']
    # Merged references are the union of every entry's sentences.
    def n_caps(res):
        return sum(len(r['captions']) for r in res.records
                   if not r.get('empty_references'))

    assert n_caps(merged) == n_caps(entries)


def test_image_editing_request_real_files(shared_data):
    res = _run('image-editing-request', shared_data / 'image-editing-request')
    assert res.stats['pairs'] == dict(train=3061, val=383, test=495)
    assert _per_split(res.records) == dict(train=3061, val=383, test=495)
    assert sum(len(r['captions']) for r in res.records
               if r['split'] == 'val') == 1149
    rec = next(r for r in res.records if r['pair_id'] == 'Reddit_1052')
    assert rec['split'] == 'test' and len(rec['captions']) == 3
    assert rec['before'] == 'images/Reddit.com_4wfxf2_4wfxf2.jpg'


def test_cli_import_counts_and_drops_missing(shared_data, tmp_path, capsys):
    src = shared_data / 'image-editing-request'
    root = tmp_path / 'ier'
    (root / 'images').mkdir(parents=True)
    for name in ('Reddit.com_4wfxf2_4wfxf2.jpg',
                 'Reddit.com_4wfxf2_d66nm3m_2.jpg'):
        (root / 'images' / name).write_bytes(b'jpg')
    out = root / 'manifest.jsonl'
    assert main(['data', 'import', 'image-editing-request', '--src',
                 str(src), '--out', str(out), '--root', str(root)]) == 0
    text = capsys.readouterr().out
    assert '3938 pairs have a missing image file' in text
    assert (root / 'vocab.json').is_file()
    assert len(load_manifest(out, root=root)) == 3939
    assert main(['data', 'import', 'image-editing-request', '--src',
                 str(src), '--out', str(out), '--root', str(root),
                 '--drop-missing']) == 0
    assert [r['pair_id'] for r in load_manifest(out, check_files=True)] == [
        'Reddit_1052']
    # The one pair left is not a train pair: no vocabulary to build.
    text = capsys.readouterr().out
    assert 'no train pair, so no vocabulary written' in text
    assert 'is left from an earlier import' in text
    assert main(['data', 'import', 'nope', '--src', str(src), '--out',
                 str(out)]) == 2


# ------------------------------------------------ fixtures in upstream schema
def test_clevr_change_fixture(tmp_path):
    for d in ('images', 'sc_images', 'nsc_images'):
        (tmp_path / d).mkdir()
    change, no_change = {}, {}
    for i in range(5):
        name = f'CLEVR_default_{i:06d}.png'
        (tmp_path / 'images' / name).write_bytes(b'x')
        (tmp_path / 'sc_images' / f'CLEVR_semantic_{i:06d}.png').write_bytes(
            b'x')
        if i != 4:  # one distractor image missing on disk
            (tmp_path / 'nsc_images' /
             f'CLEVR_nonsemantic_{i:06d}.png').write_bytes(b'x')
        change[name] = [f'the thing {i} changed', f'change {i}']
        no_change[name] = ['no change', 'the scene is the same']
    (tmp_path / 'change_captions.json').write_text(json.dumps(change))
    (tmp_path / 'no_change_captions.json').write_text(json.dumps(no_change))
    (tmp_path / 'splits.json').write_text(
        json.dumps(dict(train=[0, 1, 2], val=[3], test=[4])))
    (tmp_path / 'type_mapping.json').write_text(json.dumps({
        'color': ['CLEVR_default_000000.png', 'CLEVR_default_000003.png'],
        'material': ['CLEVR_default_000001.png'],
        'add': ['CLEVR_default_000002.png'],
        'drop': [],
        'move': ['CLEVR_default_000004.png'],
    }))
    res = _run('clevr-change', tmp_path)
    assert _per_split(res.records) == dict(train=6, val=2, test=2)
    by_id = {r['pair_id']: r for r in res.records}
    assert by_id['000001']['change_type'] == 'material'
    assert by_id['000001']['after'] == 'sc_images/CLEVR_semantic_000001.png'
    assert by_id['000001_n']['change_type'] == 'none'
    assert by_id['000001_n']['after'] == \
        'nsc_images/CLEVR_nonsemantic_000001.png'
    assert by_id['000001_n']['captions'] == ['no change',
                                             'the scene is the same']
    assert by_id['000004']['before'] == 'images/CLEVR_default_000004.png'
    out = tmp_path / 'm.jsonl'
    assert main(['data', 'import', 'clevr-change', '--src', str(tmp_path),
                 '--out', str(out), '--drop-missing']) == 0
    records, problems = check_manifest(out)
    assert len(records) == 9 and not problems
    assert '000004_n' not in {r['pair_id'] for r in records}


def test_birds_to_words_fixture(tmp_path):
    cols = ['img1ObservationURL', 'img1ImgURL', 'img1Species',
            'img1Selection', 'img2ObservationURL', 'img2ImgURL',
            'img2Species', 'img2Selection', 'split', 'annN', 'description']
    rows = []
    for n in range(7):  # 7 descriptions of pair A: only 5 kept
        rows.append(['http://o/1', 'http://i/a1.jpg', 'sparrow', 'x',
                     'http://o/2', 'http://i/a2.jpg?s=1', 'finch', 'y',
                     'train', str(n), f'animal1 is browner {n}'])
    for n in range(2):
        rows.append(['http://o/3', 'http://i/b1.jpg', 'gull', 'x',
                     'http://o/4', 'http://i/b2.jpg', 'tern', 'y', 'test',
                     str(n), f'animal2 has a longer beak {n}'])
    with open(tmp_path / 'birds-to-words-v1.0.tsv', 'w', newline='') as f:
        w = csv.writer(f, delimiter='\t')
        w.writerow(cols)
        w.writerows(rows)
    res = _run('birds-to-words', tmp_path)
    assert len(res.records) == 2
    a, b = res.records
    assert a['split'] == 'train' and len(a['captions']) == 5
    assert a['captions'][0] == 'animal1 is browner 0'
    assert a['before'] == 'images/a1.jpg' and a['after'] == 'images/a2.jpg'
    assert a['meta']['img1_species'] == 'sparrow'
    assert b['split'] == 'test' and len(b['captions']) == 2
    assert res.stats['captions_cut'] == dict(train=1)


def test_clevr_dc_fixture(tmp_path):
    (tmp_path / 'captions.json').write_text(json.dumps({
        '0': ['the red cube moved'], '1': ['the ball is gone', 'no ball'],
        '2': ['a cylinder appeared']}))
    (tmp_path / 'split.json').write_text(
        json.dumps(dict(train=[0, 1], val=[], test=[2])))
    res = _run('clevr-dc', tmp_path)
    assert [r['pair_id'] for r in res.records] == ['000000', '000001',
                                                   '000002']
    assert res.records[1]['before'] == 'before/000001.png'
    assert res.records[1]['after'] == 'after/000001.png'
    assert res.records[2]['split'] == 'test'
    res = _run('clevr-dc', tmp_path, before_dir='bef', after_dir='aft')
    assert res.records[0]['after'] == 'aft/000000.png'


def test_importer_errors_name_file_and_key(tmp_path):
    (tmp_path / 'train.json').write_text(json.dumps([{'img_id': '1'}]))
    with pytest.raises(KeyError, match='train.json entry 0.*"sentences"'):
        _run('spot-the-diff', tmp_path)


# ------------------------------------------- scoring a published prediction
DDLA = {'BLEU-4': 0.0757, 'METEOR': 0.1091, 'ROUGE-L': 0.2797,
        'CIDEr': 0.3506}


def test_imported_spot_the_diff_scores_ddla_as_published(shared_data,
                                                         tmp_path, capsys):
    """import (no images) -> onediff eval of DDLA's published predictions
    reproduces the published protocol: all 1,270 test pairs, including the
    7 whose references are empty upstream."""
    src = shared_data / 'spot-the-diff'
    manifest = tmp_path / 'std.jsonl'
    assert main(['data', 'import', 'spot-the-diff', '--src', str(src),
                 '--root', str(tmp_path), '--out', str(manifest)]) == 0
    text = capsys.readouterr().out
    assert "empty_references: {'train': 37, 'val': 4, 'test': 7}" in text
    assert "kept {'val': 4, 'test': 7} for evaluation" in text
    out = tmp_path / 'scores.json'
    assert main(['eval', '--preds',
                 str(src / 'ddla_predictions' / 'ddla_rerun_predfile.json'),
                 '--refs', str(manifest), '--split', 'test', '--out',
                 str(out)]) == 0
    saved = json.loads(out.read_text())
    assert saved['counts']['pairs'] == 1270
    assert saved['counts']['pairs_with_only_empty_references'] == 7
    assert {k: round(saved['scores'][k], 4) for k in DDLA} == DDLA


def test_training_never_sees_a_pair_without_caption(tmp_path):
    from onediff_data.datasets import DiffCaptionDataset
    recs = [dict(pair_id=str(i), before='a.png', after='b.png',
                 captions=['a cube moved'], split='test', task='t')
            for i in range(3)]
    recs[1].update(captions=[''], empty_references=True)
    manifest = tmp_path / 'm.jsonl'
    manifest.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    train = DiffCaptionDataset(str(manifest), str(tmp_path), split='test')
    assert [train.get_data_info(i)['pair_id'] for i in range(len(train))
            ] == ['0', '2']
    test = DiffCaptionDataset(str(manifest), str(tmp_path), split='test',
                              test_mode=True)
    assert len(test) == 3 and test.get_data_info(1)['captions'] == ['']
    # The flag is the only way an empty caption passes the manifest check.
    del recs[1]['empty_references']
    assert 'empty captions' in validate_record(recs[1])[0][1]
    recs[0]['empty_references'] = True
    assert 'non-empty caption' in validate_record(recs[0])[0][1]


def test_import_that_keeps_nothing_fails_and_points_at_root(shared_data,
                                                            tmp_path,
                                                            capsys):
    out = tmp_path / 'm.jsonl'
    root = tmp_path / 'wrong'
    rc = main(['data', 'import', 'image-editing-request', '--src',
               str(shared_data / 'image-editing-request'), '--root',
               str(root), '--out', str(out), '--drop-missing'])
    captured = capsys.readouterr()
    assert rc == 1 and not out.exists()
    assert f'3939 pairs have a missing image file under the root {root}' \
        in captured.out
    assert '--root must be the folder that holds the images' in captured.out
    assert (f'no pair kept from {shared_data / "image-editing-request"} '
            f'with images under --root {root}') in captured.err


def _clevr_change_upstream(src, image_dirs):
    """A tiny CLEVR-Change folder with real PNGs, ``image_dirs[name]`` the
    place each image folder lives (linked into ``src`` if elsewhere)."""
    from PIL import Image
    src.mkdir(parents=True, exist_ok=True)
    files = dict(images='CLEVR_default_{:06d}.png',
                 sc_images='CLEVR_semantic_{:06d}.png',
                 nsc_images='CLEVR_nonsemantic_{:06d}.png')
    for name, pattern in files.items():
        image_dirs[name].mkdir(parents=True, exist_ok=True)
        for i in range(3):
            Image.new('RGB', (8, 8), (40 * i, 0, 0)).save(
                image_dirs[name] / pattern.format(i))
        if image_dirs[name] != src / name:
            (src / name).symlink_to(image_dirs[name])
    names = [files['images'].format(i) for i in range(3)]
    (src / 'change_captions.json').write_text(
        json.dumps({n: ['the red cube moved'] for n in names}))
    (src / 'no_change_captions.json').write_text(
        json.dumps({n: ['nothing changed'] for n in names}))
    (src / 'splits.json').write_text(json.dumps(dict(train=[0, 1], val=[2],
                                                     test=[])))
    (src / 'type_mapping.json').write_text(json.dumps({'move': names}))


def test_clevr_change_through_symlinks_imports_and_loads(tmp_path, capsys):
    """``data/clevr -> elsewhere`` with image folders on a third disk:
    every pair is imported and the dataset reads both images."""
    from onediff_kit.registry import DATASETS
    real = tmp_path / 'disk1' / 'clevr'
    disk2 = tmp_path / 'disk2'
    _clevr_change_upstream(real, dict(images=disk2 / 'images',
                                      sc_images=disk2 / 'sc_images',
                                      nsc_images=real / 'nsc_images'))
    (tmp_path / 'data').mkdir()
    linked = tmp_path / 'data' / 'clevr'
    linked.symlink_to(real)
    out = tmp_path / 'manifest.jsonl'
    assert main(['data', 'import', 'clevr-change', '--src', str(linked),
                 '--root', str(linked), '--out', str(out)]) == 0
    assert 'leaves the root' not in capsys.readouterr().out
    records = load_manifest(out)
    assert len(records) == 6
    ds = DATASETS.build(dict(
        type='DiffCaptionDataset', ann_file=str(out), data_root=str(linked),
        split='train', caption_pick='first', prompts=dict(),
        pipeline=[dict(type='LoadImagePair'), dict(type='PackDiffInputs')]))
    assert len(ds) == 4 and ds[0]['inputs'].shape == (2, 3, 8, 8)


def test_escape_from_a_linked_root_names_the_record(tmp_path):
    """Through a symlinked root, a manifest path with ``..`` or an absolute
    path outside still escapes; the problem names the line and the key."""
    real = tmp_path / 'disk1' / 'clevr'
    _clevr_change_upstream(real, {d: real / d for d in (
        'images', 'sc_images', 'nsc_images')})
    (tmp_path / 'disk1' / 'secret.png').write_bytes(b'x')
    (tmp_path / 'data').mkdir()
    linked = tmp_path / 'data' / 'clevr'
    linked.symlink_to(real)
    good = dict(pair_id='ok', before='images/CLEVR_default_000000.png',
                after='sc_images/CLEVR_semantic_000000.png',
                captions=['a'], split='train', task='t')
    lines = [good,
             dict(good, pair_id='up', before='../secret.png'),
             dict(good, pair_id='abs', after=str(tmp_path / 'disk1' /
                                                  'secret.png'))]
    manifest = linked / 'manifest.jsonl'
    manifest.write_text(''.join(json.dumps(r) + '\n' for r in lines))
    records, problems = check_manifest(manifest, root=linked)
    assert [r['pair_id'] for r in records] == ['ok']
    by_line = {p.line: p.reason for p in problems}
    assert '"before" path outside the root: ../secret.png' in by_line[2]
    assert '"after" path outside the root' in by_line[3]

import hashlib
import json
import re
from collections import Counter

import numpy as np
import pytest

from onediff_data.synth import derive_change
from onediff_kit.cli.main import main
from onediff_kit.data import check_manifest
from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.registry import GENERATORS

from .conftest import SYNTH_NUM, SYNTH_SEED, SYNTH_SIZE

V = load_scene_vocabulary()


def _records(root):
    records, problems = check_manifest(root / 'manifest.jsonl')
    assert problems == []
    return records


def _digest(root):
    h = hashlib.sha256()
    for name in ('manifest.jsonl', 'scenes.jsonl'):
        h.update((root / name).read_bytes())
    for p in sorted((root / 'images').iterdir()):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def test_manifest_is_valid_and_balanced(synth_root):
    recs = _records(synth_root)
    assert len(recs) == SYNTH_NUM
    assert {r['split'] for r in recs} <= {'train', 'val', 'test'}
    synth = [r for r in recs if r['task'] == 'synth_diff']
    real = [r for r in recs if r['task'] == 'real_edit']
    assert len(real) == SYNTH_NUM // 10 and len(synth) == SYNTH_NUM - len(real)
    counts = Counter(r['change_type'] for r in synth)
    assert set(counts) == set(V.change_types)
    assert len(set(counts.values())) == 1  # six equal shares
    assert all(len(r['captions']) == 5 for r in recs)
    assert all(len(set(r['captions'])) == 5 for r in synth)
    info = json.loads((synth_root / 'info.json').read_text())
    assert info['seed'] == SYNTH_SEED and info['size'] == SYNTH_SIZE


def test_deterministic_by_seed_and_worker_count(synth_root, tmp_path):
    kw = dict(type='SynthDiffGenerator', size=SYNTH_SIZE)
    two = GENERATORS.build(dict(kw, workers=2))
    two.generate(tmp_path / 'a', SYNTH_NUM, seed=SYNTH_SEED, progress=False)
    assert _digest(tmp_path / 'a') == _digest(synth_root)
    one = GENERATORS.build(dict(kw, workers=1))
    one.generate(tmp_path / 'b', 12, seed=SYNTH_SEED + 1, progress=False)
    assert _digest(tmp_path / 'b') != _digest(tmp_path / 'a')


def _words(text):
    return re.findall(r'[a-z]+', text.lower())


def _names(value, caption):
    """Does the caption name this attribute value (or a synonym)?"""
    words = set(_words(caption))
    return any(w in words for w in V.synonyms.get(value, (value, )))


def test_captions_agree_with_scene(synth_root):
    for rec in _records(synth_root):
        if rec['task'] != 'synth_diff':
            continue
        meta = rec['meta']
        before, after = meta['objects_before'], meta['objects_after']
        kind, idx, old, new = derive_change(before, after)
        assert kind == rec['change_type'], rec['pair_id']
        assert idx == meta['changed_index']
        assert 3 <= len(before) <= 8 and 3 <= len(after) <= 8
        if kind in ('color', 'material'):
            assert (old, new) == (meta['old'], meta['new'])
        if kind == 'none':
            assert meta['distractor'] in V.distractors
            assert meta['camera_before'] != meta['camera_after']
            continue
        obj = (after if kind == 'add' else before)[idx]
        assert obj == meta['changed_object']
        for cap in rec['captions']:
            assert _names(obj['shape'], cap), (cap, obj)
            # Every attribute word a caption says is the object's own (the
            # old value for colour/material, the new one after 'to').
            for key, values in (('color', V.colors), ('material',
                                                      V.materials),
                                ('size', V.sizes)):
                said = [v for v in values if _names(v, cap)]
                allowed = {obj[key]}
                if kind == key:
                    allowed.add(new)
                assert set(said) <= allowed, (cap, obj, key)
            if kind in ('color', 'material'):
                assert _names(new, cap) and _names(old, cap), cap
            if kind == 'move' and meta['direction'] in cap:
                dx = after[idx]['x'] - before[idx]['x']
                dy = after[idx]['y'] - before[idx]['y']
                expect = ('right' if dx > 0 else 'left') \
                    if abs(dx) >= abs(dy) else ('back' if dy > 0 else 'front')
                assert meta['direction'] == expect


def test_every_caption_word_is_in_vocabulary(synth_root):
    vocab = set()
    for tpl_group in (V.change_templates, V.real_templates):
        for tpls in tpl_group.values():
            for t in tpls:
                vocab.update(_words(re.sub(r'\{\w+\}', ' ', t)))
    for t in V.scene_templates:
        vocab.update(_words(re.sub(r'\{\w+\}', ' ', t)))
    vocab.update(V.shapes, V.colors, V.materials, V.sizes, V.directions,
                 V.real_shapes, V.real_colors, V.number_words, ['a', 'and'])
    for r in V.regions:
        vocab.update(r.split())
    lines = (synth_root / 'manifest.jsonl').read_text().splitlines() + \
        (synth_root / 'scenes.jsonl').read_text().splitlines()
    for line in lines:
        for cap in json.loads(line)['captions']:
            assert set(_words(cap)) <= vocab, cap


def test_real_edit_captions_say_what_and_where(synth_root):
    for rec in _records(synth_root):
        if rec['task'] != 'real_edit':
            continue
        m = rec['meta']
        assert m['photo'] in V.real_images
        for cap in rec['captions']:
            if m['change_type'] == 'none':
                continue
            assert m['shape'] in cap and m['region'] in cap, cap
            if m['change_type'] == 'move':
                assert m['new_region'] in cap


def test_scene_captions_list_every_object(synth_root):
    for line in (synth_root / 'scenes.jsonl').read_text().splitlines():
        rec = json.loads(line)
        objs = rec['meta']['objects']
        for cap in rec['captions']:
            assert Counter(_words(cap))['a'] >= len(objs)
            for o in objs:
                assert o['shape'] in cap


def test_images_are_clevr_like(synth_root):
    from PIL import Image
    recs = [r for r in _records(synth_root) if r['task'] == 'synth_diff']
    for rec in recs[:12]:
        a = np.asarray(Image.open(synth_root / rec['before']))
        b = np.asarray(Image.open(synth_root / rec['after']))
        assert a.shape == b.shape == (SYNTH_SIZE, SYNTH_SIZE, 3)
        # Grey floor in the corners, coloured objects somewhere.
        assert abs(int(a[2, 2, 0]) - int(a[2, 2, 2])) < 8
        assert np.ptp(a.astype(int), axis=2).max() > 60
        assert (a != b).any()
    # Metal and rubber differ in look: metal has brighter highlights.
    from onediff_data.synth.render import shading_sprite
    _, spec_metal, alpha, _, _ = shading_sprite('sphere', 'metal', 20.0, 0)
    _, spec_rubber, _, _, _ = shading_sprite('sphere', 'rubber', 20.0, 0)
    assert spec_metal.max() > 0.8 > 0.2 > spec_rubber.max()


def test_cli_synth(tmp_path, capsys):
    assert main(['data', 'synth', '--out', str(tmp_path / 's'), '--num', '8',
                 '--seed', '1', '--size', '48', '--workers', '1',
                 '--quiet']) == 0
    out = capsys.readouterr().out
    assert 'wrote 8 pairs' in out
    assert main(['data', 'check', str(tmp_path / 's' / 'manifest.jsonl')]) \
        == 0


def test_generator_rejects_bad_options():
    with pytest.raises(ValueError, match='split_ratios'):
        GENERATORS.build(dict(type='SynthDiffGenerator', split_ratios=(1, 1)))


def test_boxes_mark_where_the_changed_object_is_drawn():
    """box_before/box_after (fractions of the side) hold the object: the
    pixels a drop removes or an add paints lie in that image's box (its
    shadow, right of and behind the object, may fall outside)."""
    gen = GENERATORS.build(dict(type='SynthDiffGenerator', size=64,
                                workers=1))
    seen = set()
    for idx in range(20):
        rec, _, before, after = gen.make_pair(idx, seed=3)
        kind, meta = rec['change_type'], rec['meta']
        seen.add(kind)
        if kind == 'none':
            assert meta['box_before'] is meta['box_after'] is None
            continue
        assert (meta['box_before'] is None) == (kind == 'add')
        assert (meta['box_after'] is None) == (kind == 'drop')
        if kind not in ('add', 'drop') or rec['pair_id'].startswith('real'):
            continue
        box = meta['box_after' if kind == 'add' else 'box_before']
        assert 0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1
        changed = np.abs(before.astype(int) - after.astype(int)).sum(-1) > 60
        x0, y0, x1, y1 = (round(v * 64) for v in box)
        inside = changed[y0:y1, x0:x1].sum()
        assert inside > 0.6 * changed.sum()
    assert {'add', 'drop'} <= seen


def test_cli_synth_says_when_a_split_is_empty(tmp_path, capsys):
    """`data synth --num 12` makes a split with no test pairs, and says
    so."""
    assert main(['data', 'synth', '--out', str(tmp_path / 's'), '--num', '12',
                 '--seed', '0', '--size', '32', '--workers', '1',
                 '--quiet']) == 0
    captured = capsys.readouterr()
    splits = json.loads((tmp_path / 's' / 'info.json').read_text())[
        'counts']['split']
    empty = [s for s in ('train', 'val', 'test') if not splits.get(s)]
    assert empty  # 12 pairs: two groups of consecutive change types
    assert 'too few for three splits' in captured.err
    for name in empty:
        assert f'no {name} pairs' in captured.err
    assert main(['data', 'synth', '--out', str(tmp_path / 'big'), '--num',
                 '200', '--seed', '0', '--size', '16', '--workers', '1',
                 '--quiet']) == 0
    assert 'too few' not in capsys.readouterr().err

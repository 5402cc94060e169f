"""Semantic change accuracy on synthetic pairs (no Java, no rendering)."""
import json

import numpy as np
import pytest

from onediff_kit.registry import METRICS

synth = pytest.importorskip('onediff_data.synth')
from onediff_kit.data.scene_vocabulary import (  # noqa: E402
    DEFAULT_FILE, load_scene_vocabulary)
from onediff_data.synth.captions import change_captions  # noqa: E402
from onediff_data.synth.scene import make_change  # noqa: E402

V = load_scene_vocabulary()


@pytest.fixture(scope='module')
def pairs():
    """Sixty synthetic pairs (ten per change type) with five references."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(60):
        change_type = V.change_types[i % len(V.change_types)]
        change = make_change(rng, change_type)
        meta = dict(change)
        meta.pop('change_type')
        out.append(
            dict(
                pair_id=f'synth_{i:06d}',
                change_type=change_type,
                meta=meta,
                captions=change_captions(change, rng, 5)))
    return out


def test_parser_reads_every_generated_caption(pairs):
    from onediff_metrics.change_parser import ChangeCaptionParser
    parser = ChangeCaptionParser(V)
    for p in pairs:
        for cap in p['captions']:
            got = parser.parse(cap)
            assert got['matched'] and got['change_type'] == p['change_type']
            obj = p['meta']['changed_object']
            if obj:
                assert got['attributes']
                assert all(obj[a] == v for a, v in got['attributes'].items())
            if p['change_type'] in ('color', 'material'):
                assert got['new'] == p['meta']['new']


def test_parser_synonyms_and_fallback():
    from onediff_metrics.change_parser import ChangeCaptionParser
    parser = ChangeCaptionParser(V)
    got = parser.parse('The big grey ball moved to the left.')
    assert got['attributes'] == dict(size='large', color='gray',
                                     shape='sphere')
    assert got['direction'] == 'left'
    got = parser.parse('a cyan cube was obviously added')  # no template
    assert not got['matched'] and got['change_type'] == 'add'
    assert got['attributes'] == dict(color='cyan', shape='cube')
    assert parser.parse('')['change_type'] == 'unknown'


def _evaluate(pairs, preds, **cfg):
    metric = METRICS.build(dict(type='SemanticChangeMetric', **cfg))
    samples = [dict(p, pred_caption=c) for p, c in zip(pairs, preds)]
    metric.process(None, samples + [dict(pair_id='real', change_type='add',
                                          meta={}, pred_caption='x')])
    report = metric.evaluate_report(len(samples) + 1)
    return report, report['metrics']


def test_perfect_captions_score_one(pairs, tmp_path):
    report, metrics = _evaluate(
        pairs, [p['captions'][0] for p in pairs],
        output_dir=str(tmp_path),
        predictions_file=str(tmp_path / 'out' / 'preds.json'))
    assert (tmp_path / 'semantic_scores.md').is_file()
    saved = json.loads((tmp_path / 'semantic_scores.json').read_text())
    assert saved['confusion']['none']['none'] == 10
    assert len(json.loads((tmp_path / 'out' / 'preds.json').read_text())) \
        == 61
    for key in ('change_type_accuracy', 'attribute_accuracy',
                'object_accuracy', 'new_value_accuracy'):
        assert metrics[f'semantic/{key}'] == 1.0
    assert metrics['semantic/color/new_value_accuracy'] == 1.0
    assert 'semantic/add/new_value_accuracy' not in metrics
    assert report['counts'] == dict(pairs=60, skipped=1)
    assert report['confusion']['move']['move'] == 10


def test_wrong_captions_are_counted(pairs):
    preds = []
    for p in pairs:
        obj = p['meta']['changed_object']
        if p['change_type'] == 'color':
            other = next(c for c in V.colors if c not in (
                p['meta']['new'], obj['color']))
            preds.append(f'the {obj["shape"]} changed to {other}')
        elif p['change_type'] == 'drop':
            preds.append(f'a {obj["shape"]} has been added')  # wrong type
        elif p['change_type'] == 'add':
            wrong = 'sphere' if obj['shape'] != 'sphere' else 'cube'
            preds.append(f'a {wrong} has been added')  # wrong object
        else:
            preds.append(p['captions'][0])
    report, metrics = _evaluate(pairs, preds)
    conf = report['confusion']
    assert conf['drop']['add'] == 10 and conf['drop']['drop'] == 0
    assert metrics['semantic/change_type_accuracy'] == pytest.approx(50 / 60)
    assert metrics['semantic/color/change_type_accuracy'] == 1.0
    assert metrics['semantic/color/new_value_accuracy'] == 0.0
    assert metrics['semantic/material/new_value_accuracy'] == 1.0
    assert metrics['semantic/new_value_accuracy'] == 0.5
    assert metrics['semantic/add/object_accuracy'] == 0.0
    assert metrics['semantic/add/attribute_accuracy'] == 0.0
    assert metrics['semantic/color/attribute_accuracy'] == 1.0


def test_missing_vocabulary_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match='scene vocabulary .*'
                       'no_such.json not found'):
        METRICS.build(dict(type='SemanticChangeMetric',
                           vocabulary=str(tmp_path / 'no_such.json')))


def test_cli_semantic(pairs, tmp_path, capsys):
    from onediff_kit.cli.main import main
    from onediff_kit.data.manifest import write_manifest
    refs = write_manifest(tmp_path / 'm.jsonl', [
        dict(p, before='a.png', after='b.png', split='test',
             task='synth_diff') for p in pairs
    ])
    preds = tmp_path / 'p.json'
    preds.write_text(json.dumps(
        [dict(image_id=p['pair_id'], caption=p['captions'][-1])
         for p in pairs]))
    out = tmp_path / 's.json'
    assert main(['eval', '--preds', str(preds), '--refs', str(refs),
                 '--metrics', 'BLEU', 'CIDEr', '--tokenizer', 'simple',
                 '--semantic', '--out', str(out)]) == 0
    assert 'change_type_accuracy' in capsys.readouterr().out
    saved = json.loads(out.read_text())
    assert saved['semantic']['scores']['change_type_accuracy'] == 1.0
    assert saved['semantic']['confusion']['drop']['drop'] == 10
    assert saved['per_type']['move']['n'] == 10


def test_vocabulary_file_named_in_the_config(tmp_path):
    """The default parser reads the generator's words (the file that ships
    with the core); a config swaps them by naming another file."""
    from onediff_data.synth import captions
    assert captions.SCENE_VOCAB is V
    metric = METRICS.build(dict(type='SemanticChangeMetric'))
    assert metric.change_types == V.change_types
    words = json.loads(DEFAULT_FILE.read_text(encoding='utf-8'))
    words['change_types'] = ['color', 'none']
    words['change_templates'] = {
        'color': ['the {obj} is {new} now'], 'none': ['all is as it was']}
    path = tmp_path / 'words.json'
    path.write_text(json.dumps(words))
    metric = METRICS.build(dict(type='SemanticChangeMetric',
                                vocabulary=str(path)))
    assert metric.change_types == ('color', 'none')
    assert metric.parser.parse('the red cube is blue now')['new'] == 'blue'

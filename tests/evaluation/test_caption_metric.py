"""CaptionMetric end to end; one Java scoring run shared by the module."""
import json
import logging

import pytest
from mmengine.logging import MMLogger

from onediff_kit.registry import METRICS
from onediff_kit.structures import DiffDataSample

TYPES = ['color', 'material', 'add', 'drop', 'move', 'none']
SHAPES = ['cube', 'sphere', 'cylinder']
COLORS = ['red', 'blue', 'green', 'gray']


def _pairs():
    """Eighteen CLEVR-Change-like pairs, three per change type."""
    pairs = []
    for t_i, change in enumerate(TYPES):
        for k in range(3):
            shape = SHAPES[k]
            color = COLORS[(t_i + k) % 4]
            ref = {
                'color': f'the {shape} changed to {color}',
                'material': f'the {shape} became metallic',
                'add': f'a {color} {shape} has been added',
                'drop': f'the {color} {shape} has disappeared',
                'move': f'the {color} {shape} moved to the left',
                'none': 'there is no change',
            }[change]
            pred = ref if k == 0 else f'the {shape} changed'
            pairs.append(
                dict(
                    pair_id=f'{change}_{k}',
                    pred_caption=pred,
                    captions=[ref, ref.replace('the ', 'a ', 1)],
                    change_type=change))
    pairs[1]['pred_caption'] = ''  # empty prediction
    pairs[4]['pred_caption'] = 'the sphère is now rouge — 立方体'
    pairs[5]['captions'].append('Ünïcode réference, okay?')
    return pairs


def _samples(pairs):
    out = []
    for p in pairs:
        s = DiffDataSample(
            metainfo=dict(
                pair_id=p['pair_id'],
                captions=p['captions'],
                change_type=p['change_type'],
                task='clevr'))
        s.pred_caption = p['pred_caption']
        out.append(s)
    return out


@pytest.fixture(scope='module')
def scored(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp('report')
    pairs = _pairs()
    metric = METRICS.build(
        dict(
            type='CaptionMetric',
            output_dir=str(out_dir),
            predictions_file=str(out_dir / 'extra' / 'preds.json')))
    # its own logger (made current), whatever other tests left current
    logger = MMLogger.get_instance('test_caption_metric', log_level='INFO')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        metric.process(None, _samples(pairs[:10]))  # two batches
        metric.process(None, _samples(pairs[10:]))
        report = metric.evaluate_report(len(pairs))
    finally:
        logger.removeHandler(handler)
    return dict(
        metric=metric,
        metrics=report['metrics'],
        report=report,
        pairs=pairs,
        out_dir=out_dir,
        log=[r.getMessage() for r in records])


def test_keys_and_ranges(scored):
    metrics = scored['metrics']
    for name in ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'METEOR', 'ROUGE-L',
                 'CIDEr']:
        assert 0.0 <= metrics[f'caption/{name}'] <= 10.0
        for t in TYPES:
            assert f'caption/{t}/{name}' in metrics
        assert f'caption/semantic_change/{name}' in metrics
    assert all(isinstance(v, float) for v in metrics.values())
    assert 'caption/SPICE' not in metrics  # no CoreNLP on this machine


def test_per_type_cider_averages_to_overall(scored):
    # document frequencies are global, so per-type CIDEr is a plain subset
    # mean of the same per-image scores and the types add back up.
    metrics, report = scored['metrics'], scored['report']
    total = sum(report['per_type'][t]['n'] * metrics[f'caption/{t}/CIDEr']
                for t in TYPES)
    assert total / len(scored['pairs']) == pytest.approx(
        metrics['caption/CIDEr'])
    rouge = sum(report['per_type'][t]['n'] * metrics[f'caption/{t}/ROUGE-L']
                for t in TYPES)
    assert rouge / 18 == pytest.approx(metrics['caption/ROUGE-L'])
    assert report['per_type']['semantic_change']['n'] == 15


def test_subset_scores_match_scoring_the_subset_alone(scored):
    # BLEU, METEOR and ROUGE-L of a type are what scoring that type alone
    # gives; CIDEr is not, because its document frequencies come from the
    # whole set (docs/evaluation.md).
    from onediff_metrics.scorers import CaptionScorer
    pairs = [p for p in scored['pairs'] if p['change_type'] == 'material']
    alone = CaptionScorer(spice=False).score(
        [p['pred_caption'] for p in pairs], [p['captions'] for p in pairs])
    metrics = scored['metrics']
    for name in ('BLEU-1', 'BLEU-4', 'METEOR', 'ROUGE-L'):
        assert alone['overall'][name] == pytest.approx(
            metrics[f'caption/material/{name}']), name
    assert alone['overall']['CIDEr'] != pytest.approx(
        metrics['caption/material/CIDEr'])


def test_empty_and_non_ascii_counted(scored):
    report = scored['report']
    assert report['counts']['empty_predictions'] == 1
    assert report['counts']['non_ascii_pairs'] == 2
    assert any("1 of 18 predictions are empty" in w and "'color_1'" in w
               for w in report['warnings'])


def test_protocol_logged_and_saved(scored):
    protocol = scored['metric'].protocol
    assert 'PTB tokenizer' in protocol and 'CIDEr-D' in protocol
    assert 'SPICE: ' in protocol
    assert any(protocol in line for line in scored['log'])
    spice_lines = [m for m in scored['log'] if 'SPICE is unavailable' in m]
    assert len(spice_lines) <= 1


def test_report_files(scored):
    out = scored['out_dir']
    preds = json.loads((out / 'predictions.json').read_text('utf-8'))
    assert preds[4] == dict(
        image_id='material_1',
        caption='the sphère is now rouge — 立方体')
    assert len(preds) == 18
    assert json.loads((out / 'extra' / 'preds.json').read_text('utf-8')) \
        == preds
    saved = json.loads((out / 'scores.json').read_text('utf-8'))
    assert saved['protocol'] == scored['metric'].protocol
    assert saved['scores']['CIDEr'] == pytest.approx(
        scored['metrics']['caption/CIDEr'])
    assert saved['per_type']['move']['n'] == 3
    table = (out / 'scores.md').read_text('utf-8')
    assert '| all ' in table and '| color ' in table and 'Protocol:' in table

"""Scorer pieces: tokenisation, Java and SPICE preflights, bad samples."""
import json

import pytest

from onediff_kit.registry import METRICS

JAVA_FREE = dict(
    type='CaptionMetric',
    metrics=('BLEU', 'ROUGE-L', 'CIDEr'),
    tokenizer='simple',
    java='/nonexistent/java',
    spice=False)


def _sample(pid, pred='a red cube', refs=('a red cube appeared', )):
    return dict(pair_id=pid, pred_caption=pred, captions=list(refs))


def test_ptb_tokenizer_keeps_alignment_and_unicode():
    from onediff_metrics.tokenize import ptb_tokenize
    caps = [
        'The cube, moved!', '', 'two\nlines\r\nhere', 'naïve café — 日本.',
        '...', 'line\u2028sep', "isn't it"
    ]
    assert ptb_tokenize(caps) == [
        'the cube moved', '', 'two lines here', 'naïve café 日本', '',
        'line sep', "is n't it"
    ]


def test_simple_tokenizer_close_to_ptb():
    from onediff_metrics.tokenize import simple_tokenize
    assert simple_tokenize(["The dog's cube, isn't it?", '  ']) == [
        "the dog 's cube is n't it", ''
    ]


def test_missing_java_is_a_clear_error():
    from onediff_metrics.java import JavaNotFoundError
    with pytest.raises(JavaNotFoundError) as err:
        METRICS.build(dict(type='CaptionMetric', java='/nonexistent/java'))
    msg = str(err.value)
    assert 'METEOR' in msg and 'metrics=' in msg and 'tokenizer="simple"' \
        in msg


def test_java_free_scoring():
    metric = METRICS.build(JAVA_FREE)
    metric.process(None, [_sample('a'), _sample('b', pred='')])
    # results travel between ranks: plain JSON-able python only
    assert json.loads(json.dumps(metric.results)) == metric.results
    report = metric.evaluate_report(2)
    metrics = report['metrics']
    assert set(metrics) == {
        'caption/BLEU-1', 'caption/BLEU-2', 'caption/BLEU-3',
        'caption/BLEU-4', 'caption/ROUGE-L', 'caption/CIDEr'
    }
    assert metrics['caption/ROUGE-L'] > 0
    assert 'simple Python tokenizer' in metric.protocol
    assert report['counts']['empty_predictions'] == 1


def test_duplicate_ids_and_missing_fields():
    metric = METRICS.build(JAVA_FREE)
    metric.process(None, [_sample('a'), _sample('b'), _sample('a')])
    with pytest.raises(ValueError, match=r"1 pair ids occur more than once"
                       r".*'a'"):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match="'x' has no \"pred_caption\""):
        metric.process(None, [dict(pair_id='x', captions=['c'])])
    with pytest.raises(ValueError, match="'y' has no reference"):
        metric.process(None, [dict(pair_id='y', pred_caption='c')])
    metric.results.clear()
    metric.process(None, [_sample('z', refs=())])
    with pytest.raises(ValueError, match="no reference caption: 'z'"):
        metric.compute_metrics(metric.results)


def test_no_results_is_an_error():
    metric = METRICS.build(JAVA_FREE)
    with pytest.raises(ValueError, match='no predictions to score'):
        metric.compute_metrics([])


def test_bad_options():
    with pytest.raises(ValueError, match='unknown caption metrics'):
        METRICS.build(dict(JAVA_FREE, metrics=('BLEU', 'WER')))
    with pytest.raises(ValueError, match='cider_variant'):
        METRICS.build(dict(JAVA_FREE, cider_variant='CIDEr-X'))


def test_spice_preflight_never_downloads(monkeypatch):
    import urllib.request

    from onediff_metrics import scorers
    from onediff_metrics.spice import spice_unavailable_reason

    def no_download(*args, **kwargs):
        raise AssertionError('SPICE preflight tried to download')

    monkeypatch.setattr(urllib.request, 'urlretrieve', no_download)
    reason = spice_unavailable_reason()
    assert reason is None or 'CoreNLP' in reason or 'Java' in reason

    monkeypatch.setattr(scorers, 'spice_unavailable_reason',
                        lambda java: 'CoreNLP missing (test)')
    metric = METRICS.build(dict(JAVA_FREE, spice='auto'))
    assert 'SPICE' not in metric.scorer.metrics
    assert 'SPICE: off (CoreNLP missing (test))' in metric.protocol
    with pytest.raises(RuntimeError, match='SPICE was asked for'):
        METRICS.build(dict(JAVA_FREE, spice=True))


def test_original_cider_variant():
    from onediff_metrics.cider import cider_per_image
    hyps = ['a red cube', 'a blue ball moved left']
    refs = [['a red cube appeared'], ['the blue ball moved']]
    d = cider_per_image(hyps, refs, 'CIDEr-D')
    orig = cider_per_image(hyps, refs, 'CIDEr')
    assert all(0 <= s <= 1 for s in orig)  # no factor 10
    assert d != pytest.approx(orig)
    assert cider_per_image(['x'], [['']]) == [0.0]

"""Reading prediction and reference files, and pairing them (no Java)."""
import json

import pytest

from onediff_kit.cli.main import main
from onediff_kit.data.manifest import ManifestError, write_manifest
from onediff_kit.evaluation import (EvaluationInputError, load_predictions,
                                    load_references, match_predictions)


def _write(path, obj):
    path.write_text(json.dumps(obj), encoding='utf-8')
    return path


def _record(pid, split='test', caps=('a red cube appeared', ), **extra):
    return dict(
        pair_id=pid,
        before=f'{pid}_a.png',
        after=f'{pid}_b.png',
        captions=list(caps),
        split=split,
        task='clevr',
        **extra)


@pytest.fixture
def manifest(tmp_path):
    return write_manifest(tmp_path / 'pairs.jsonl', [
        _record('p1', change_type='color'),
        _record('p2', change_type='add'),
        _record('p3', split='val'),
    ])


def test_predictions_coco_results(tmp_path):
    path = _write(tmp_path / 'p.json', [
        dict(image_id=7, caption='x', id=7),
        dict(image_id='p2', caption=''),
    ])
    assert load_predictions(path) == {'7': 'x', 'p2': ''}


@pytest.mark.parametrize('content, needle', [
    ({'image_id': 1}, 'expected a JSON list'),
    ([{'caption': 'x'}], 'record 0 has no "image_id"'),
    ([{'image_id': 1}], 'record 0 has no "caption"'),
    ([{'image_id': 1, 'caption': None}], '"caption" must be a string'),
    ([{'image_id': 1, 'caption': 'a'}, {'image_id': '1', 'caption': 'b'}],
     "1 image_ids have more than one prediction: '1'"),
])
def test_bad_predictions_name_the_fault(tmp_path, content, needle):
    path = _write(tmp_path / 'p.json', content)
    with pytest.raises(EvaluationInputError, match='p.json') as err:
        load_predictions(path)
    assert needle in str(err.value)


def test_bad_json_names_line(tmp_path):
    path = tmp_path / 'p.json'
    path.write_text('[{"image_id": 1,\n "caption": }]')
    with pytest.raises(EvaluationInputError, match=r'p.json: bad JSON at '
                       r'line 2'):
        load_predictions(path)


def test_references_coco_merged_by_image_id(tmp_path):
    path = _write(
        tmp_path / 'gt.json',
        dict(
            images=[dict(id=1)],
            annotations=[
                dict(image_id=1, caption='a', id=1),
                dict(image_id='1', caption='b', id=2),
                dict(image_id=2, caption='c', id=3),
            ]))
    refs = load_references(path)
    assert refs['1']['captions'] == ['a', 'b']
    assert refs['2']['captions'] == ['c']


def test_references_manifest(manifest):
    refs = load_references(manifest)
    assert list(refs) == ['p1', 'p2', 'p3']
    assert refs['p1']['change_type'] == 'color'
    assert refs['p3']['split'] == 'val'


def test_references_manifest_duplicate_names_line(tmp_path):
    path = write_manifest(tmp_path / 'dup.jsonl',
                          [_record('p1'), _record('p1')])
    with pytest.raises(ManifestError, match=r'dup.jsonl:2: duplicate '):
        load_references(path)


def test_match_split_missing_and_extra(manifest):
    refs = load_references(manifest)
    samples, warnings = match_predictions({
        'p1': 'x',
        'p2': 'y'
    }, refs, split='test')
    assert [s['pair_id'] for s in samples] == ['p1', 'p2']
    assert samples[0]['change_type'] == 'color'
    assert warnings == []

    with pytest.raises(EvaluationInputError) as err:
        match_predictions({'p1': 'x'}, refs, split='test')
    assert "1 of 2 references have no prediction: 'p2'" in str(err.value)
    assert '--allow-missing' in str(err.value)

    samples, warnings = match_predictions({'p1': 'x'},
                                          refs,
                                          split='test',
                                          allow_missing=True)
    assert len(samples) == 1 and 'scoring only the 1 predicted' in warnings[0]

    with pytest.raises(EvaluationInputError) as err:
        match_predictions({'p1': 'x', 'p2': 'y', 'p3': 'z', 'q': 'w'},
                          refs,
                          split='test')
    msg = str(err.value)
    assert "2 of 4 predicted ids are not among the 2 references" in msg
    assert "'p3', 'q'" in msg and "split(s) ['val']" in msg

    with pytest.raises(EvaluationInputError, match='no reference has split'):
        match_predictions({'p1': 'x'}, refs, split='train')


def test_cli_errors_before_scoring(tmp_path, manifest, capsys):
    preds = _write(tmp_path / 'p.json', [dict(image_id='p1', caption='x')])
    assert main(['eval', '--preds', str(preds), '--refs', str(manifest),
                 '--split', 'test']) == 2
    err = capsys.readouterr().err
    assert "references have no prediction: 'p2'" in err
    assert main(['eval', '--preds', str(tmp_path / 'nope.json'), '--refs',
                 str(manifest)]) == 2
    assert 'prediction file not found' in capsys.readouterr().err


def test_cli_missing_java(tmp_path, manifest, capsys):
    preds = _write(tmp_path / 'p.json', [
        dict(image_id='p1', caption='x'),
        dict(image_id='p2', caption='y')
    ])
    args = ['eval', '--preds', str(preds), '--refs', str(manifest),
            '--split', 'test', '--java', '/nonexistent/java']
    assert main(args) == 1
    err = capsys.readouterr().err
    assert 'METEOR' in err and '--metrics BLEU ROUGE-L CIDEr' in err
    out = tmp_path / 's.json'
    assert main(args + ['--metrics', 'BLEU', 'ROUGE-L', 'CIDEr',
                        '--tokenizer', 'simple', '--out', str(out)]) == 0
    saved = json.loads(out.read_text())
    assert set(saved['scores']) == {
        'BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr'}
    assert saved['per_type']['color']['n'] == 1
    assert 'NOT PTB' in saved['protocol']

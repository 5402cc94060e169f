"""``--scale 100``: tables x100 as IDC papers print them (``onediff eval``,
tools/test.py, scores.md); JSON files keep the raw values (no Java: the
simple tokenizer and no METEOR)."""
import json
import re

import pytest

from onediff_kit.cli.main import main
from onediff_kit.data.manifest import write_manifest
from onediff_kit.evaluation.report import (format_metric_tables,
                                           format_table, write_report)


CAPTIONS = {
    'p1': ('a red cube appeared', 'the red cube is new'),
    'p2': ('the blue sphere moved left', 'a blue ball moved'),
    'p3': ('nothing changed', 'no change'),
}
PREDS = {'p1': 'a red cube appeared', 'p2': 'the sphere moved',
         'p3': 'no change'}


@pytest.fixture
def files(tmp_path):
    refs = write_manifest(tmp_path / 'pairs.jsonl', [
        dict(pair_id=pid, before=f'{pid}_a.png', after=f'{pid}_b.png',
             captions=list(caps), split='test', task='clevr',
             change_type='add' if pid == 'p1' else 'move')
        for pid, caps in CAPTIONS.items()
    ])
    preds = tmp_path / 'preds.json'
    preds.write_text(json.dumps(
        [dict(image_id=pid, caption=cap) for pid, cap in PREDS.items()]))
    return preds, refs


def _eval(capsys, preds, refs, out, *extra):
    code = main(['eval', '--preds', str(preds), '--refs', str(refs),
                 '--tokenizer', 'simple', '--metrics', 'BLEU', 'ROUGE-L',
                 'CIDEr', '--out', str(out), *extra])
    assert code == 0
    return capsys.readouterr().out


def _row(table, group):
    line = next(ln for ln in table.splitlines()
                if ln.startswith(f'| {group} '))
    return [cell.strip() for cell in line.strip('|').split('|')]


def test_eval_scale_100_prints_x100_and_keeps_json_raw(
        files, tmp_path, capsys):
    raw_out = _eval(capsys, *files, tmp_path / 'raw.json')
    paper_out = _eval(capsys, *files, tmp_path / 'paper.json', '--scale',
                      '100')
    raw = json.loads((tmp_path / 'raw.json').read_text())
    paper = json.loads((tmp_path / 'paper.json').read_text())
    assert paper['scores'] == raw['scores']  # the file stays raw
    assert paper['protocol'] == raw['protocol']
    assert 'scale of IDC' not in raw_out and 'x100 (the scale of IDC' in paper_out
    names = list(raw['scores'])
    for group in ('all', 'move'):
        raw_row, paper_row = _row(raw_out, group), _row(paper_out, group)
        assert raw_row[1] == paper_row[1]  # pair counts are not scaled
        values = raw['scores'] if group == 'all' else raw['per_type'][group]
        for i, name in enumerate(names, start=2):
            assert re.fullmatch(r'\d+\.\d{2}', paper_row[i])  # 2 decimals
            assert float(paper_row[i]) == pytest.approx(
                100 * values[name], abs=0.006)
            assert float(raw_row[i]) == pytest.approx(values[name],
                                                      abs=6e-5)
    assert raw['scores']['CIDEr'] > 0.5  # a CIDEr that x100 changes


def test_eval_rejects_other_scales(files, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _eval(capsys, *files, tmp_path / 'x.json', '--scale', '10')
    assert exit_info.value.code == 2
    assert 'argument --scale: invalid choice: 10' in capsys.readouterr().err


def test_format_table_scale():
    table = format_table({'CIDEr': 2.49, 'BLEU-4': 0.69485},
                         {'move': dict(n=3, CIDEr=1.5)}, n=7, scale=100)
    assert _row(table, 'all') == ['all', '7', '249.00', '69.48']
    assert _row(table, 'move') == ['move', '3', '150.00', '-']
    assert _row(format_table({'CIDEr': 2.49}, n=7), 'all') == [
        'all', '7', '2.4900']
    with pytest.raises(ValueError, match='scale must be 1 .* or 100'):
        format_table({'CIDEr': 2.49}, scale=10)


def test_test_tool_scale_argument_and_tables(capsys):
    from onediff_kit.cli import test
    from onediff_kit.cli.command import parse_command
    assert parse_command('test', ['c.py', 'ck.pth']).scale == 1
    assert parse_command('test', ['c.py', 'ck.pth', '--scale',
                                  '100']).scale == 100
    with pytest.raises(SystemExit):
        parse_command('test', ['c.py', 'ck.pth', '--scale', '1000'])
    capsys.readouterr()
    metrics = {'caption/CIDEr': 2.49, 'caption/move/CIDEr': 1.5,
               'semantic/object_accuracy': 0.748}
    test.print_scaled(metrics, 1)
    assert capsys.readouterr().out == ''
    test.print_scaled(metrics, 100)
    out = capsys.readouterr().out
    assert out == format_metric_tables(metrics, 100) + '\n'
    assert out.startswith('scores x100')
    assert _row(out, 'all')[2] == '249.00' and _row(out, 'move')[2] == '150.00'
    semantic = out[out.index('semantic:'):]
    assert _row(semantic, 'all')[2] == '74.80'


def test_scores_md_has_the_paper_scale_and_json_stays_raw(tmp_path):
    paths = write_report(str(tmp_path), [dict(image_id='p1', caption='x')],
                         {'CIDEr': 2.49}, 'coco protocol',
                         per_type={'move': dict(n=1, CIDEr=1.5)},
                         counts=dict(pairs=1))
    assert json.loads(open(paths['scores']).read())['scores'] == {
        'CIDEr': 2.49}
    md = open(paths['table']).read()
    raw, paper = md.split('x100 (the scale of IDC')
    assert _row(raw, 'all')[2] == '2.4900'
    assert _row(paper, 'all')[2] == '249.00'

"""``onediff caption``: one pair, --json, --visualize, manifest batches."""
import json

import pytest
from PIL import Image

from onediff_kit.cli.main import main


def caption(tiny, *args):
    return main(['caption', *args, '--config', tiny['config'],
                 '--checkpoint', tiny['checkpoint'], '--device', 'cpu'])


def test_single_pair_prints_the_caption(tiny, image_files, capsys):
    assert caption(tiny, image_files['jpeg'], image_files['palette'],
                   '--beam', '2') == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out and out[-1].strip()


def test_single_pair_json_and_visualize(tiny, image_files, tmp_path, capsys):
    png = tmp_path / 'vis.png'
    assert caption(tiny, image_files['rgba'], image_files['png'], '--json',
                   '--beam', '3', '--max-length', '4', '--visualize',
                   str(png)) == 0
    record = json.loads(capsys.readouterr().out)  # nothing else on stdout
    assert record['before'] == image_files['rgba']
    assert record['num_beams'] == 3 and record['visualization'] == str(png)
    assert isinstance(record['caption'], str)
    assert len(record['caption'].split()) <= 4
    with Image.open(png) as img:
        assert img.format == 'PNG' and img.width >= 400


def test_manifest_mode_writes_coco_results(tiny, tmp_path, capsys):
    preds = tmp_path / 'out' / 'preds.json'
    vis = tmp_path / 'figures'
    assert caption(tiny, '--manifest', tiny['manifest'], '--split', 'val',
                   '--out', str(preds), '--batch-size', '5',
                   '--no-progress', '--visualize', str(vis),
                   '--vis-num', '2') == 0
    results = json.loads(preds.read_text())
    with open(tiny['manifest']) as f:
        ids = [json.loads(line)['pair_id'] for line in f]
    assert [r['image_id'] for r in results] == ids
    assert all(set(r) == {'image_id', 'caption'} and
               isinstance(r['caption'], str) for r in results)
    assert len(list(vis.glob('*.png'))) == 2
    capsys.readouterr()
    # onediff eval scores the file (pure-Python tokenizer: no Java needed).
    assert main(['eval', '--preds', str(preds), '--refs', tiny['manifest'],
                 '--tokenizer', 'simple', '--metrics', 'BLEU', 'CIDEr',
                 '--no-per-type']) == 0
    assert 'CIDEr' in capsys.readouterr().out


@pytest.mark.parametrize('case', ['image', 'checkpoint', 'config', 'manifest',
                                  'usage'])
def test_errors_name_the_file(case, tiny, image_files, tmp_path, capsys):
    bad = tmp_path / f'bad_{case}'
    args = [image_files['jpeg'], image_files['png']]
    config, checkpoint = tiny['config'], tiny['checkpoint']
    if case == 'image':
        args = [str(bad) + '.png', image_files['png']]
    elif case == 'checkpoint':
        checkpoint = str(bad) + '.pth'
        (tmp_path / 'bad_checkpoint.pth').write_bytes(b'garbage')
    elif case == 'config':
        config = str(bad) + '.py'
        (tmp_path / 'bad_config.py').write_text('model = dict(\n')
    elif case == 'manifest':
        args = ['--manifest', str(bad) + '.jsonl', '--out',
                str(tmp_path / 'p.json')]
    else:
        args = [image_files['jpeg']]
    code = main(['caption', *args, '--config', config, '--checkpoint',
                 checkpoint, '--device', 'cpu'])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith('onediff caption: error:')
    assert 'Traceback' not in err
    if case != 'usage':
        assert f'bad_{case}' in err

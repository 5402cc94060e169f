import json

import pytest

from onediff_kit.cli.main import main
from onediff_kit.data import ManifestError, check_manifest, load_manifest


def _rec(pid, **kw):
    rec = dict(pair_id=pid, before='a.png', after='b.png',
               captions=['x changed'], split='train', task='t')
    rec.update(kw)
    return rec


@pytest.fixture
def bad_manifest(tmp_path):
    (tmp_path / 'a.png').write_bytes(b'x')
    (tmp_path / 'b.png').write_bytes(b'x')
    lines = [
        json.dumps(_rec('ok1', change_type='color')).encode(),     # 1 good
        b'{"pair_id": "broken", ',                                  # 2 JSON
        json.dumps({k: v for k, v in _rec('nokey').items()
                    if k != 'task'}).encode(),                      # 3 key
        json.dumps(_rec('missing', after='nope.png')).encode(),     # 4 file
        json.dumps(_rec('escape', before='../a.png')).encode(),     # 5 root
        b'{"pair_id": "\xff\xfe"}',                                 # 6 UTF-8
        json.dumps(_rec('empty', captions=[])).encode(),            # 7 caps
        json.dumps(_rec('blank', captions=['  '])).encode(),        # 8 caps
        json.dumps(_rec('ok2', split='val')).encode(),              # 9 good
        json.dumps(_rec('ok1')).encode(),                           # 10 dup
    ]
    path = tmp_path / 'manifest.jsonl'
    path.write_bytes(b'\n'.join(lines) + b'\n')
    return path


def test_check_lists_every_bad_line(bad_manifest):
    records, problems = check_manifest(bad_manifest)
    assert [r['pair_id'] for r in records] == ['ok1', 'ok2']
    by_line = {p.line: p.reason for p in problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 10]
    assert 'bad JSON' in by_line[2]
    assert 'missing key "task"' in by_line[3]
    assert 'missing image file' in by_line[4]
    assert 'outside the root' in by_line[5]
    assert 'not UTF-8' in by_line[6]
    assert 'empty captions' in by_line[7] and 'empty captions' in by_line[8]
    assert 'duplicate pair_id' in by_line[10]


def test_load_manifest_names_file_and_line(bad_manifest, tmp_path):
    with pytest.raises(ManifestError) as err:
        load_manifest(bad_manifest)
    assert err.value.line == 2
    assert f'{bad_manifest}:2' in str(err.value)
    good = tmp_path / 'good.jsonl'
    good.write_text(
        json.dumps(_rec('a')) + '\n' + json.dumps(_rec('b', split='val')) +
        '\n', encoding='utf-8')
    assert [r['pair_id'] for r in load_manifest(good, split='val')] == ['b']


def test_cli_check(bad_manifest, capsys):
    assert main(['data', 'check', str(bad_manifest)]) == 1
    out = capsys.readouterr().out
    # A missing image is counted among the images, not as a bad line.
    assert 'pairs: 3' in out and 'train: 2, val: 1' in out
    assert 'color: 1' in out
    assert 'bad lines: 7' in out
    assert 'e.g. line 6: bytes that are not UTF-8' in out
    assert 'empty captions: 2' in out
    assert 'pairs with a missing file: 1' in out

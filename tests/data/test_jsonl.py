"""The one JSONL reader: every JSONL file reads and fails the same way."""
import pytest

from onediff_kit.data import JsonlError, ManifestError, iter_jsonl, read_jsonl


def test_values_blank_lines_and_line_numbers(tmp_path):
    path = tmp_path / 'a.jsonl'
    path.write_bytes(b'{"a": 1}\n\n  \nnull\n[1, 2]\n')
    assert list(iter_jsonl(path)) == [(1, {'a': 1}), (4, None), (5, [1, 2])]
    assert read_jsonl(path) == [{'a': 1}, None, [1, 2]]


def test_bad_lines_name_file_and_line(tmp_path):
    path = tmp_path / 'b.jsonl'
    path.write_bytes(b'{"a": 1}\n{"a": \n\xff\xfe\n{"b": 2}\n')
    with pytest.raises(JsonlError, match=r'b\.jsonl:2: bad JSON: .*column'):
        read_jsonl(path)
    bad = []
    good = list(iter_jsonl(path, on_error=lambda n, r: bad.append((n, r))))
    assert good == [(1, {'a': 1}), (4, {'b': 2})]
    assert [n for n, _ in bad] == [2, 3]
    assert 'not UTF-8' in bad[1][1]


def test_missing_file_and_error_class(tmp_path):
    with pytest.raises(ManifestError, match='nope.jsonl: manifest file not'):
        read_jsonl(tmp_path / 'nope.jsonl', what='manifest file',
                   error=ManifestError)
    assert issubclass(ManifestError, JsonlError)


def test_every_jsonl_reader_uses_it(tmp_path):
    """The pair manifest, the scene captions and the vocabulary texts give
    the same file:line message for the same bad line."""
    from onediff_data.datasets.single_image_manifest import \
        load_single_image_manifest

    from onediff_kit.data import load_manifest
    from onediff_kit.data.vocab import read_manifest_texts
    path = tmp_path / 'm.jsonl'
    path.write_text('{"x": \n', encoding='utf-8')
    readers = [load_manifest, load_single_image_manifest,
               lambda p: read_manifest_texts([str(p)])]
    for read in readers:
        with pytest.raises(JsonlError, match=r'm\.jsonl:1: bad JSON'):
            read(path)

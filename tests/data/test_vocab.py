"""The word vocabulary as data: ``onediff data vocab`` and the files the
generator and the importers write beside their manifests."""
import json

import pytest

from onediff_kit.cli.main import main
from onediff_kit.data.jsonl import JsonlError
from onediff_kit.data.vocab import build_vocab, write_vocab
from onediff_kit.data.word_tokenizer import SPECIALS, WordTokenizer

RECORDS = [
    dict(pair_id='a', split='train', captions=['the cube moved', 'a cube']),
    dict(pair_id='b', split='train', captions=['the sphere moved'],
         prompt='describe it'),
    dict(pair_id='c', split='val', captions=['zebras crossed']),
    dict(pair_id='d', split='test', captions=['the lone giraffe']),
]


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / 'manifest.jsonl'
    path.write_text(''.join(json.dumps(r) + '\n' for r in RECORDS))
    return path


def vocab_of(path):
    return WordTokenizer.load(path).tokenizer.get_vocab()


def test_command_writes_the_train_vocabulary(manifest, tmp_path, capsys):
    out = tmp_path / 'vocab.json'
    assert main(['data', 'vocab', str(manifest), '--out', str(out),
                 '--text', 'Describe the change.']) == 0
    printed = capsys.readouterr().out
    vocab = vocab_of(out)
    # Special tokens first; ids by decreasing count ("the" 3x, then 2x
    # in order of name), so the same input gives the same ids.
    assert [w for w, i in sorted(vocab.items(), key=lambda x: x[1])][:8] == \
        SPECIALS + ['the', 'cube', 'describe', 'moved']
    assert {'moved', 'sphere', 'describe', 'it', 'change', '.'} <= set(vocab)
    # Val and test words are not in a train vocabulary.
    assert not {'zebras', 'crossed', 'lone', 'giraffe'} & set(vocab)
    assert f'wrote the vocabulary {out}: {len(vocab)} tokens (4 special' \
        in printed
    assert f'2 records of {manifest}' in printed
    assert 'cut: 0 by min_freq, 0 by vocab_size' in printed
    again = tmp_path / 'again.json'
    assert main(['data', 'vocab', str(manifest), '--out', str(again),
                 '--text', 'Describe the change.']) == 0
    assert again.read_bytes() == out.read_bytes()


def test_splits_min_freq_and_vocab_size(manifest, tmp_path, capsys):
    every = tmp_path / 'all.json'
    assert main(['data', 'vocab', str(manifest), '--out', str(every),
                 '--splits', 'all']) == 0
    assert {'zebras', 'giraffe'} <= set(vocab_of(every))
    val = tmp_path / 'val.json'
    assert main(['data', 'vocab', str(manifest), '--out', str(val),
                 '--splits', 'val']) == 0
    assert set(vocab_of(val)) == set(SPECIALS) | {'zebras', 'crossed'}
    capsys.readouterr()
    # Train words: cube, moved, the 2x (ties in order of name);
    # a, sphere, describe, it 1x.
    cut = tmp_path / 'cut.json'
    assert main(['data', 'vocab', str(manifest), '--out', str(cut),
                 '--min-freq', '2', '--vocab-size', '6']) == 0
    assert 'cut: 4 by min_freq, 1 by vocab_size' in capsys.readouterr().out
    assert set(vocab_of(cut)) == set(SPECIALS) | {'cube', 'moved'}


def test_bad_input_names_the_file(manifest, tmp_path, capsys):
    out = tmp_path / 'vocab.json'
    bad = tmp_path / 'bad.jsonl'
    bad.write_text(json.dumps(RECORDS[0]) + '\n{"captions": \n')
    assert main(['data', 'vocab', str(manifest), str(bad), '--out',
                 str(out)]) == 2
    assert f'{bad}:2: bad JSON' in capsys.readouterr().err
    assert not out.exists()
    bad.write_text('["a list"]\n')
    with pytest.raises(JsonlError, match=r'bad\.jsonl:1: expected a JSON '
                       'object'):
        build_vocab([bad])
    absent = tmp_path / 'absent.jsonl'
    assert main(['data', 'vocab', str(absent), '--out', str(out)]) == 2
    assert f'vocabulary manifest {absent} not found' in \
        capsys.readouterr().err
    # A split nobody has: no text, a clear error rather than an empty file.
    assert main(['data', 'vocab', str(manifest), '--out', str(out),
                 '--splits', 'trian']) == 2
    assert "no vocabulary text in the ['trian'] records of" in \
        capsys.readouterr().err
    # Not a vocabulary file: the loader names it.
    with pytest.raises(ValueError, match=r'manifest\.jsonl: not a word '
                       'vocabulary file'):
        WordTokenizer.load(manifest)


def test_generator_writes_the_vocabulary(tmp_path, repo_root):
    """``onediff data synth`` writes vocab.json: the train pair captions,
    the scene captions, the default configs' task prompts and the coupled
    template, in that order (the vocabulary the decoder built from the
    default config before it became a file)."""
    from mmengine.config import Config
    from onediff_data.synth.generator import VOCAB_TEXTS
    out = tmp_path / 'synth'
    assert main(['data', 'synth', '--out', str(out), '--num', '20',
                 '--size', '32', '--workers', '1', '--quiet']) == 0
    expected = build_vocab([out / 'manifest.jsonl', out / 'scenes.jsonl'],
                           texts=VOCAB_TEXTS).tokenizer
    assert (out / 'vocab.json').read_text() == expected.to_json()
    # Every text the default config feeds the decoder has an id.
    cfg = Config.fromfile(
        str(repo_root / 'configs' / '_base_' / 'datasets' / 'synthdiff.py'))
    dataset = cfg.train_dataloader.dataset
    prompts = dataset.get('prompts') or dataset.get('task_prompts')
    tokenizer = WordTokenizer.load(out / 'vocab.json')
    for text in list(prompts.values()) + [cfg.coupled_template]:
        assert text in VOCAB_TEXTS
        assert tokenizer.unk_id not in tokenizer.encode(text), text


def test_write_vocab_round_trip(manifest, tmp_path):
    report = write_vocab(tmp_path / 'sub' / 'vocab.json', [manifest])
    loaded = WordTokenizer.load(tmp_path / 'sub' / 'vocab.json')
    assert loaded.to_json() == report.tokenizer.to_json()
    assert report.records == {str(manifest): 2}
    assert report.words == len(loaded) - len(SPECIALS)

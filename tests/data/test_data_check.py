"""`onediff data check`: a summary by reason with counts and examples."""
import json

import pytest
from PIL import Image

from onediff_kit.cli.main import main

REPO_CONFIG = 'configs/onediff/onediff_mobilenetv2-vdm_synthdiff.py'


def _pair(root, name, size_a=(8, 8), size_b=(8, 8)):
    for suffix, size in (('a', size_a), ('b', size_b)):
        Image.new('RGB', size, 'red').save(root / f'{name}_{suffix}.png')
    return dict(before=f'{name}_a.png', after=f'{name}_b.png')


def _record(i, split, captions, **paths):
    return dict(pair_id=f'p{i}', captions=captions, split=split, task='t',
                **paths)


@pytest.fixture
def data(tmp_path):
    """60 train pairs, 2 val, 2 test; 40 train pairs lack their images,
    one test pair has images of two sizes, a test caption uses words train
    never does, one line is not JSON."""
    recs = []
    for i in range(60):
        paths = (dict(before=f'gone/{i}_a.png', after=f'gone/{i}_b.png')
                 if i < 40 else _pair(tmp_path, f'tr{i}'))
        recs.append(_record(i, 'train', [f'the red cube moved {i % 3}'],
                            **paths))
    recs.append(_record(60, 'val', ['the red cube moved'],
                        **_pair(tmp_path, 'v0')))
    recs.append(_record(61, 'val', [''], empty_references=True,
                        **_pair(tmp_path, 'v1')))
    recs.append(_record(62, 'test', ['zebras crossed busy streets'],
                        **_pair(tmp_path, 't0', size_b=(9, 8))))
    recs.append(_record(63, 'test', ['the cube ' * 30],
                        **_pair(tmp_path, 't1')))
    lines = [json.dumps(r) for r in recs]
    lines.insert(5, '{"pair_id": ')
    manifest = tmp_path / 'manifest.jsonl'
    manifest.write_text('\n'.join(lines) + '\n')
    return manifest


def test_summary_by_reason_not_one_line_per_pair(data, capsys):
    assert main(['data', 'check', str(data)]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) < 40
    assert 'bad lines: 1\n  bad JSON: 1\n    e.g. line 6: bad JSON' in out
    assert ("pairs with a missing file: 40 {'train': 40}" in out)
    assert out.count('e.g. p') == 3 + 1  # 3 missing examples, 1 mismatch
    assert 'pairs whose two images differ in size: 1' in out
    assert 'p62: before 8x8, after 9x8' in out
    assert "flagged empty_references (evaluation only): {'val': 1}" in out
    # Coverage by the train split's words: 'zebras crossed busy streets'.
    assert ('test: 6.2 % of 64 tokens unknown (most often: zebras, '
            'crossed') in out
    assert 'ERROR: 40 of 64 pairs miss 80 image files under the root' in out
    assert 'ERROR: 6.2 % of the test caption tokens (4 of 64)' in out
    assert out.rstrip().endswith('result: 3 errors, 1 warnings: FAILED')


def test_json_split_and_strict(data, capsys):
    assert main(['data', 'check', str(data), '--split', 'val', '--json'
                 ]) == 1  # the bad line is an error whatever the split
    report = json.loads(capsys.readouterr().out)
    assert report['summary']['total'] == 2
    assert report['bad_lines'] == {'bad JSON': dict(
        count=1, examples=[report['bad_lines']['bad JSON']['examples'][0]])}
    assert report['images']['missing']['pairs'] == 0
    assert report['vocabulary']['splits']['val']['unknown'] == 0
    assert report['caption_lengths']['val'] == dict(
        captions=1, max=4, p50=4.0, p90=4.0, p99=4.0)
    # Fix the bad line: val is clean; --strict fails on test's warning.
    lines = data.read_text().splitlines()
    data.write_text('\n'.join(lines[:5] + lines[6:]) + '\n')
    assert main(['data', 'check', str(data), '--split', 'val']) == 0
    capsys.readouterr()
    args = ['data', 'check', str(data), '--split', 'test', '--max-unknown',
            '10']
    assert main(args) == 0
    assert main(args + ['--strict']) == 1
    out = capsys.readouterr().out
    assert 'WARNING: 1 pairs have two images of different sizes' in out


def test_config_tokens_max_length_and_vocabulary(data, repo_root, capsys,
                                                 monkeypatch):
    monkeypatch.chdir(repo_root)
    train = data.parent / 'train_only.jsonl'
    lines = [line for line in data.read_text().splitlines()
             if '"train"' in line and line.endswith('}')]
    train.write_text('\n'.join(lines) + '\n')
    vocab = data.parent / 'vocab.json'
    assert main(['data', 'vocab', str(train), '--out', str(vocab),
                 '--text', 'Describe the two images.']) == 0
    rc = main(['data', 'check', str(data), '--no-files', '--split', 'test',
               '--config', REPO_CONFIG, '--cfg-options',
               f'model.decoder.vocab_file={vocab}',
               'model.decoder.max_length=20'])
    out = capsys.readouterr().out
    assert rc == 1
    assert 'caption length in decoder tokens (max_length=20, EOS ' \
        'included)' in out
    # 'the cube ' * 30 is 60 tokens: over max_length.
    assert 'test: 1 of 2 captions (50.0 %) are longer than max_length=20' \
        in out
    assert 'vocabulary: TransformerCaptionDecoder of ' in out
    assert f'(vocab_file {vocab})' in out
    # The vocabulary adds the prompt's words ("the", "images", ...):
    # "zebras crossed busy streets" stay unknown.
    assert 'unknown to the vocabulary of TransformerCaptionDecoder' in out
    assert main(['data', 'check', str(data), '--config', REPO_CONFIG,
                 '--cfg-options', 'model.decoder.vocab_file=nope']) == 2
    err = capsys.readouterr().err
    assert 'decoder.vocab_file nope not found' in err
    assert 'onediff data vocab MANIFEST --out nope' in err


def test_default_vocabulary_on_spot_the_diff_is_a_loud_error(
        shared_data, tmp_path, repo_root, capsys, monkeypatch):
    """The default config's vocabulary, built from the synthetic data,
    leaves a large share of Spot-the-Diff's test tokens
    unknown (40.8 % with 10,000 synthetic pairs)."""
    synth = tmp_path / 'synthdiff'
    assert main(['data', 'synth', '--out', str(synth), '--num', '150',
                 '--size', '32', '--workers', '1', '--quiet']) == 0
    manifest = tmp_path / 'std.jsonl'
    assert main(['data', 'import', 'spot-the-diff', '--src',
                 str(shared_data / 'spot-the-diff'), '--root', str(tmp_path),
                 '--out', str(manifest)]) == 0
    capsys.readouterr()
    monkeypatch.chdir(repo_root)
    rc = main(['data', 'check', str(manifest), '--no-files', '--split',
               'test', '--config', REPO_CONFIG, '--cfg-options',
               f'model.decoder.vocab_file={synth}/vocab.json', '--json'])
    report = json.loads(capsys.readouterr().out)
    assert rc == 1
    test = report['vocabulary']['splits']['test']
    assert 35 < test['unknown_pct'] < 55, test
    level, text = report['findings'][0]
    assert level == 'error'
    assert text.startswith(f'{test["unknown_pct"]:.1f} % of the test caption'
                           ' tokens')
    assert f'onediff data vocab {manifest} --out {tmp_path}/vocab.json' in \
        text


def test_hugging_face_decoder_counts_in_its_own_tokens(data, tmp_path,
                                                       repo_root, capsys,
                                                       monkeypatch):
    """The paper-scale config: lengths in the LM tokenizer's tokens, read
    from model_path alone (a tiny word-level tokenizer here)."""
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast
    vocab = {w: i for i, w in enumerate(
        ['[UNK]', '[EOS]', 'the', 'red', 'cube', 'moved'])}
    tok = Tokenizer(WordLevel(vocab, unk_token='[UNK]'))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    lm = tmp_path / 'lm'
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]',
                            eos_token='[EOS]').save_pretrained(lm)
    monkeypatch.chdir(repo_root)
    rc = main(['data', 'check', str(data), '--no-files', '--split', 'val',
               'test', '--config',
               'configs/onediff/onediff_clip-l14-336_vicuna-7b_diffcap.py',
               '--cfg-options', f'model.decoder.model_path={lm}', '--json'])
    report = json.loads(capsys.readouterr().out)
    assert report['max_length'] == 64
    assert report['vocabulary']['source'].startswith('HFCausalLMDecoder')
    # 'zebras crossed busy streets' + 'the cube ' * 30: 4 unknown of 64.
    assert report['vocabulary']['splits']['test']['unknown'] == 4
    assert report['caption_lengths']['test']['max'] == 60
    assert rc == 1  # the bad JSON line

"""Every benchmark end to end on a miniature of its upstream layout:
``onediff data import`` -> ``onediff train`` with the benchmark's config ->
``onediff test`` -> scores.json with the peers' protocol.

The configs are the real ones; only ``--cfg-options`` shrink the model and
the schedule and point the data at the miniature, and METEOR is left out
of the scores (its Java start costs 5-15 s per evaluation).
"""
import glob
import json
import re
from pathlib import Path

import pytest
from mmengine.config import Config

from onediff_kit.cli import test as test_command
from onediff_kit.cli import train as train_command
from onediff_kit.cli.main import main as onediff

from .miniatures import BUILDERS, SynthPairs

REPO = Path(__file__).resolve().parents[2]
CONFIGS = {
    name: REPO / 'configs' / 'onediff' / f'onediff_mobilenetv2-vdm_{name}.py'
    for name in BUILDERS
}
# name -> (protocol, selection key, groups scores.json must have)
EXPECTED = {
    'clevr-change': ('clevr-change-duda', 'CIDEr', [
        'semantic_change', 'non_semantic_change', 'color', 'material', 'add',
        'drop', 'move', 'distractor'
    ]),
    'spot-the-diff': ('spot-the-diff-merged', 'CIDEr', []),
    'ier': ('ier-nct', 'CIDEr', []),
    'birds-to-words': ('birds-to-words', 'CIDEr-D', []),
    'clevr-dc': ('clevr-dc-dirl', 'CIDEr', []),
}
# Vocabulary options of the import beyond the prompt (docs/benchmarks.md).
VOCAB_OPTIONS = {'birds-to-words': ['--vocab-min-freq', '2']}
FAST_METRICS = "[BLEU,ROUGE-L,CIDEr]"
REAL_ENTRIES = ('spot-the-diff', 'ier')


def tiny_options(data_root):
    """The same config, shrunk: a tiny random model, 64 px, 4 iterations,
    validation and a checkpoint every 2."""
    opts = [
        'model.encoder.backbone.widen_factor=0.25',
        'model.encoder.pretrained=None', 'model.encoder.probe_size=64',
        'model.delta.num_tokens=4', 'model.delta.num_layers=1',
        'model.delta.embed_dims=32', 'model.delta.num_heads=4',
        'model.delta.ffn_dims=64', 'model.delta.level_pool=2',
        'model.delta.bert_init=None', 'model.decoder.embed_dims=32',
        'model.decoder.num_layers=1', 'model.decoder.num_heads=4',
        'model.decoder.ffn_dims=64', 'model.decoder.num_beams=1',
        'model.image_tokens.pool=2',
        f'model.decoder.vocab_file={data_root}/vocab.json',
        'train_cfg.max_iters=4', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
        f'val_evaluator.0.metrics={FAST_METRICS}',
        f'test_evaluator.0.metrics={FAST_METRICS}',
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size=4', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.dataset.pipeline.1.size=64'
        ]
    return opts


def manifest_records(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def words(texts):
    return {w for t in texts for w in re.findall(r'\w+', t.lower())}


@pytest.mark.parametrize('name', list(BUILDERS))
def test_benchmark_import_train_test(name, benchmark_images, tmp_path,
                                     request, monkeypatch):
    protocol, key, groups = EXPECTED[name]
    # Short relative paths: mmengine formats the config with yapf at every
    # log and checkpoint, and long strings make that take seconds.
    monkeypatch.chdir(tmp_path)
    # Spot-the-Diff and IER are built from real entries of ../shared/data.
    shared_data = (request.getfixturevalue('shared_data')
                   if name in REAL_ENTRIES else None)
    root = Path('data')
    argv = BUILDERS[name](shared_data, SynthPairs(benchmark_images), root)
    manifest = root / 'manifest.jsonl'
    # The import writes vocab.json beside the manifest: the train split's
    # words plus the config's task prompt.
    dataset = Config.fromfile(CONFIGS[name]).train_dataloader.dataset
    prompts = list((dataset.get('prompts') or dataset['task_prompts'])
                   .values())
    vocab_args = [arg for p in prompts for arg in ('--vocab-text', p)]
    assert onediff(['data', 'import', *argv, '--out', str(manifest),
                    *vocab_args, *VOCAB_OPTIONS.get(name, [])]) == 0
    assert (root / 'vocab.json').is_file()
    records = manifest_records(manifest)
    by_split = {s: [r for r in records if r['split'] == s]
                for s in ('train', 'val', 'test')}
    assert all(by_split.values()), {s: len(v) for s, v in by_split.items()}
    # Every pair has two image files of its own.
    assert len({(r['before'], r['after']) for r in records}) == len(records)
    assert all((root / r['before']).is_file() and (root / r['after'])
               .is_file() for r in records)

    options = tiny_options(root)
    work = Path('train')
    runner = train_command.main([
        str(CONFIGS[name]), '--work-dir', str(work), '--cfg-options',
        *options
    ])
    assert runner.iter == 4
    # Selection on val: the test loop was never built during training.
    assert isinstance(runner._test_loop, dict)
    best = glob.glob(str(work / f'best_caption_{key}_iter_*.pth'))
    assert len(best) == 1, sorted(p.name for p in work.iterdir())
    best_score = runner.message_hub.get_info('best_score')

    # The vocabulary is the train split's (plus the prompt): words that
    # occur only in val/test references are unknown to the decoder.
    vocab = set(runner.model.decoder.tokenizer.tokenizer.get_vocab())
    train_words = words(c for r in by_split['train'] for c in r['captions'])
    prompt_words = words(prompts)
    if name not in VOCAB_OPTIONS:  # min_freq 1: every prompt word has an id
        assert prompt_words <= vocab
    held_out = words(c for s in ('val', 'test') for r in by_split[s]
                     for c in r['captions']) - train_words - prompt_words
    assert held_out and not held_out & vocab
    assert train_words <= vocab

    scores_dir = Path('test')
    metrics = test_command.main([
        str(CONFIGS[name]), best[0], '--work-dir',
        str(scores_dir), '--cfg-options', *options
    ])
    report = json.loads((scores_dir / 'scores.json').read_text())
    assert report['protocol'].startswith(f'{protocol} protocol')
    assert report['counts']['pairs'] == len(by_split['test'])
    assert key in report['scores']
    assert list(report['per_type']) == groups
    assert metrics[f'caption/{key}'] == pytest.approx(report['scores'][key])
    if name == 'clevr-change':
        n = {g: v['n'] for g, v in report['per_type'].items()}
        assert n['semantic_change'] + n['non_semantic_change'] == len(
            by_split['test'])
        assert all(n[t] == 1 for t in ('color', 'material', 'add', 'drop',
                                       'move'))
    if name == 'spot-the-diff':
        # img_id 138 has three test entries upstream: one pair, all of
        # their sentences as references.
        entries = json.loads(
            (root / 'data/annotations/test.json').read_text())
        sents = [t for e in entries if e['img_id'] == '138'
                 for t in e['sentences'] if t.strip()]
        merged = [r for r in by_split['test'] if r['pair_id'] == '138']
        assert len(sents) > 2 and merged[0]['captions'] == sents
        # img_id 9420's only sentence is empty upstream: kept and scored
        # against an empty reference, as the published numbers are.
        flagged = [r['pair_id'] for r in by_split['test']
                   if r.get('empty_references')]
        assert flagged == ['9420']
        assert report['counts']['pairs_with_only_empty_references'] == 1
    if name == 'birds-to-words':
        assert 'CIDEr' in report['scores']  # original CIDEr beside CIDEr-D

    # The recorded best score is the val score of the best checkpoint.
    val = test_command.main([
        str(CONFIGS[name]), best[0], '--work-dir',
        'val', '--cfg-options', *options,
        'test_dataloader.dataset.split=val'
    ])
    assert val[f'caption/{key}'] == pytest.approx(best_score)

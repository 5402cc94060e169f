"""The template plugin installs on its own and trains purely from a config.

It is pip-installed into a temporary folder (not into the project's venv),
then a fresh process with that folder on PYTHONPATH discovers it through the
``onediff_kit.plugins`` entry point, runs the plugin's own tests (the
conformance kit) and trains a tiny OneDiff whose delta module is
``ExampleDelta``.
"""
import json
import os
import subprocess
import sys

import pytest

from .tiny_config import REPO

CONFIG = '''
_base_ = [r"{repo}/configs/_base_/default_runtime.py"]
model = dict(
    type='OneDiff',
    encoder=dict(type='MMPretrainEncoder',
                 backbone=dict(type='mmpretrain.MobileNetV2',
                               widen_factor=0.25, out_indices=(2, 4, 6)),
                 probe_size=64),
    delta=dict(type='ExampleDelta', out_channels=32, levels=(-1, ), grid=2),
    projector=dict(type='MLPProjector'),
    decoder=dict(type='TransformerCaptionDecoder', vocab_size=256,
                 embed_dims=32, num_layers=1, num_heads=4, ffn_dims=64,
                 dropout=0.0, max_positions=96, max_length=8,
                 vocab_file=r"{data}/vocab.json"),
    image_tokens=dict(level=-1, pool=2))
pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=64),
    dict(type='PackDiffInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='DiffCaptionDataset', data_root=r"{data}",
                 ann_file='manifest.jsonl', split='train',
                 task_prompts=dict(synth_diff='describe the change'),
                 pipeline=pipeline))
train_cfg = dict(by_epoch=False, max_iters=2, val_interval=100)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3))
default_hooks = dict(checkpoint=dict(interval=2, save_best=None),
                     logger=dict(interval=1))
'''


@pytest.fixture(scope='module')
def installed_example(tmp_path_factory):
    site = tmp_path_factory.mktemp('site')
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps',
         '--no-build-isolation', '--no-index', '--quiet', '--target',
         str(site), str(REPO / 'plugins' / 'onediff-plugin-example')],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(site.glob('onediff_plugin_example-*.dist-info'))
    return site


def run(args, site, timeout=300):
    env = dict(os.environ)
    env['PYTHONPATH'] = str(site) + os.pathsep + env.get('PYTHONPATH', '')
    return subprocess.run([sys.executable] + args, capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=REPO)


def test_example_plugin_is_discovered(installed_example):
    proc = run(['-m', 'onediff_kit.cli.main', 'list', '--kind', 'delta',
                '--json'], installed_example)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {r['name']: r for r in json.loads(proc.stdout)}
    assert rows['ExampleDelta']['provider'] == 'onediff-plugin-example'
    # Without the plugin on the path, the name is unknown.
    from onediff_kit.registry import MODELS
    assert MODELS.get('ExampleDelta') is None


def test_example_plugin_own_tests_pass(installed_example):
    """As its author runs them: pytest on the plugin's tests folder."""
    tests = REPO / 'plugins' / 'onediff-plugin-example' / 'tests'
    proc = run(['-m', 'pytest', str(tests), '-q', '-p', 'no:cacheprovider',
                '--rootdir', str(tests)], installed_example)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert '3 passed' in proc.stdout


def test_train_with_example_delta_from_config(installed_example, tmp_path):
    from onediff_kit.registry import GENERATORS
    data = tmp_path / 'data'
    GENERATORS.build(dict(type='SynthDiffGenerator', size=64,
                          real_fraction=0.0)).generate(
                              str(data), 48, seed=0, progress=False)
    # The vocabulary of this config's prompt (`onediff data vocab`).
    from onediff_kit.data.vocab import write_vocab
    write_vocab(data / 'vocab.json', [data / 'manifest.jsonl'],
                texts=['describe the change'])
    cfg = tmp_path / 'example_delta.py'
    cfg.write_text(CONFIG.format(repo=REPO, data=data))
    work = tmp_path / 'work'
    proc = run([str(REPO / 'tools' / 'train.py'), str(cfg), '--work-dir',
                str(work)], installed_example)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (work / 'iter_2.pth').is_file()
    assert 'ExampleDelta' in (work / 'example_delta.py').read_text()

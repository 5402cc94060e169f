"""A NaN/inf loss stops training and keeps the last good checkpoint."""

import pytest
import torch

from onediff_kit.checkpoint import load_local
from onediff_kit.cli import train
from onediff_kit.cli.command import run_command

from .engine_config import write_config


def test_inf_input_stops_at_its_iteration_before_saving(tmp_path):
    # batch 4, no shuffle: item 12 is in the 4th batch
    cfg = write_config(tmp_path / 'cfg.py', max_iters=8, shuffle=False,
                       inf_at=12, interval=2)
    work = tmp_path / 'work'
    with pytest.raises(FloatingPointError) as info:
        train.main([str(cfg), '--work-dir', str(work)])
    message = str(info.value)
    assert 'non-finite loss' in message
    assert 'at iteration 4:' in message
    assert 'iter_2.pth' in message  # names the last good checkpoint
    assert not (work / 'iter_4.pth').exists()
    assert (work / 'last_checkpoint').read_text().endswith('iter_2.pth')
    good = load_local(str(work / 'iter_2.pth'))
    assert good['meta']['iter'] == 2
    assert all(
        torch.isfinite(v).all() for v in good['state_dict'].values())


def test_cli_prints_the_error_without_traceback(tmp_path, capsys):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=4, shuffle=False,
                       inf_at=0, interval=2)
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w')]
    assert run_command('train', argv) == 1
    err = capsys.readouterr().err
    assert 'FloatingPointError: non-finite loss' in err
    assert 'at iteration 1:' in err
    assert 'Traceback' not in err

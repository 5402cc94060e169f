"""``onediff train`` trains 2 iterations, then resumes to iteration 4."""
import torch

from onediff_kit.checkpoint import load_local

from onediff_kit.cli import train

from .tiny_config import write_tiny_config


def test_train_two_iters_then_resume_to_four(tmp_path, tiny_plugin):
    cfg = write_tiny_config(tmp_path / 'tiny.py')
    work = tmp_path / 'work'
    runner = train.main([
        str(cfg), '--work-dir',
        str(work), '--cfg-options', 'train_cfg.max_iters=2'
    ])
    assert runner.iter == 2
    first = load_local(str(work / 'iter_2.pth'))
    assert first['meta']['iter'] == 2
    # Nothing but tensors and plain containers in our checkpoints.
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(work / 'iter_2.pth')) == []

    runner = train.main([str(cfg), '--work-dir', str(work), '--resume'])
    assert runner.iter == 4
    final = load_local(str(work / 'iter_4.pth'))
    assert final['meta']['iter'] == 4
    # the loss history came back from the plain checkpoint state
    hist = runner.message_hub.get_scalar('train/loss')
    assert len(hist.data[0]) == 4
    changed = [
        not torch.equal(first['state_dict'][k], final['state_dict'][k])
        for k in first['state_dict']
    ]
    assert any(changed)


def test_resume_from_explicit_checkpoint_and_seed(tmp_path, tiny_plugin):
    cfg = write_tiny_config(tmp_path / 'tiny.py')
    work = tmp_path / 'work'
    train.main([str(cfg), '--work-dir', str(work), '--seed', '7',
                '--cfg-options', 'train_cfg.max_iters=2'])
    runner = train.main([
        str(cfg), '--work-dir',
        str(tmp_path / 'other'), '--resume',
        str(work / 'iter_2.pth'), '--seed', '7'
    ])
    assert runner.iter == 4
    assert runner.seed == 7


def test_amp_on_cpu_uses_bf16_autocast(tmp_path, tiny_plugin):
    cfg = write_tiny_config(tmp_path / 'tiny.py', max_iters=1)
    runner = train.main(
        [str(cfg), '--work-dir',
         str(tmp_path / 'w'), '--amp'])
    assert type(runner.optim_wrapper).__name__ == 'CPUAutocastOptimWrapper'
    assert runner.iter == 1

"""A trainer killed with SIGKILL and resumed ends where an unkilled one does.

Real processes: tools/train.py runs as a subprocess; one run is killed with
SIGKILL mid-training (after iter_4.pth, during iteration 6), restarted with
``--resume`` and compared with a run that was never interrupted. The model
uses dropout (random numbers), the sampler shuffles and crosses an epoch
boundary, and the learning rate follows a scheduler, so the comparison needs
model, optimiser, scheduler, RNG and data position to be restored.
"""
import os
import signal
import subprocess
import sys
import time

import torch

from onediff_kit.checkpoint import load_local

from .engine_config import REPO, write_config

# The pause only: the always-on hooks (RandomStateHook...) are named
# default_hooks in default_runtime.py, which a custom_hooks list leaves.
PAUSE_HOOK = '''
custom_hooks = [
    dict(type='PauseAfterIterHook', pause_after=5, flag_file=r"{flag}"),
]
'''


def start(cfg, work, *extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + os.environ.get('PYTHONPATH', '').split(os.pathsep)))
    return subprocess.Popen(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(cfg),
         '--work-dir', str(work), '--deterministic', *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)


def finish(proc, timeout=120):
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    flag = tmp_path / 'paused'
    common = dict(max_iters=8, length=24, dropout=0.3, interval=2)
    plain = write_config(tmp_path / 'plain.py', **common)
    pausing = write_config(tmp_path / 'pausing.py', **common,
                           extra=PAUSE_HOOK.format(flag=flag))

    reference = start(plain, tmp_path / 'reference')
    victim = start(pausing, tmp_path / 'victim')
    deadline = time.time() + 120
    while not flag.exists():
        assert victim.poll() is None, victim.stderr.read()[-3000:]
        assert time.time() < deadline, 'the run never reached iteration 5'
        time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL

    work = tmp_path / 'victim'
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_4.pth')
    assert not (work / 'iter_6.pth').exists()

    finish(start(pausing, work, '--resume'))
    finish(reference)

    ours = load_local(str(work / 'iter_8.pth'))
    theirs = load_local(str(tmp_path / 'reference' / 'iter_8.pth'))
    for key, value in theirs['state_dict'].items():
        torch.testing.assert_close(
            ours['state_dict'][key], value, rtol=0, atol=1e-6)
    for state, ref in zip(ours['optimizer']['state'].values(),
                          theirs['optimizer']['state'].values()):
        for key in ('exp_avg', 'exp_avg_sq'):
            torch.testing.assert_close(state[key], ref[key], rtol=0,
                                       atol=1e-6)
    assert ours['param_schedulers'] == theirs['param_schedulers']
    assert torch.equal(ours['random_states']['torch'],
                       theirs['random_states']['torch'])
    # the resumed run logged the same losses for iterations 5..8
    ours_loss = ours['message_hub']['log_scalars']['train/loss']
    theirs_loss = theirs['message_hub']['log_scalars']['train/loss']
    torch.testing.assert_close(
        torch.tensor(ours_loss['log_history'][-4:]),
        torch.tensor(theirs_loss['log_history'][-4:]), rtol=0, atol=1e-6)

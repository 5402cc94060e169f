"""tools/dist_train.sh and tools/dist_test.sh: OpenMMLab's argument order
(CONFIG [CHECKPOINT] GPUS [args]) and environment variables (NNODES,
NODE_RANK, MASTER_ADDR, PORT). ``PYTHON=echo`` prints the torchrun command
line the script would run, without starting any process."""
import os
import subprocess
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / 'tools'
MULTI_NODE = dict(NNODES='2', NODE_RANK='1', MASTER_ADDR='10.0.0.7',
                  PORT='29611')


def run(script, *args, **env):
    env = dict(os.environ, PYTHON='echo', **env)
    for name in MULTI_NODE:
        if name not in env:
            env.pop(name, None)
    return subprocess.run(['bash', str(TOOLS / script), *args],
                          capture_output=True, text=True, env=env,
                          timeout=30)


def torchrun(command, nproc, args, nnodes=1, node_rank=0, addr='127.0.0.1',
             port=29500):
    """The command line (after PYTHON) a script should exec."""
    return ['-m', 'torch.distributed.run', f'--nnodes={nnodes}',
            f'--node_rank={node_rank}', f'--master_addr={addr}',
            f'--nproc_per_node={nproc}', f'--master_port={port}',
            '-m', f'onediff_kit.cli.{command}', *args, '--launcher',
            'pytorch']


def test_dist_train_order_and_environment():
    proc = run('dist_train.sh', 'cfg.py', '8', '--work-dir', 'w',
               **MULTI_NODE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == torchrun(
        'train', 8, ['cfg.py'], nnodes=2, node_rank=1, addr='10.0.0.7',
        port=29611) + ['--work-dir', 'w']


def test_dist_test_order_and_defaults():
    proc = run('dist_test.sh', 'cfg.py', 'epoch_1.pth', '2', '--scale', '100')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == torchrun(
        'test', 2, ['cfg.py', 'epoch_1.pth']) + ['--scale', '100']


@pytest.mark.parametrize('script,args,hint', [
    ('dist_train.sh', ['2', 'cfg.py', '--amp'],
     'tools/dist_train.sh cfg.py 2 --amp'),
    ('dist_test.sh', ['2', 'cfg.py', 'ck.pth', '--out', 'o.pkl'],
     'tools/dist_test.sh cfg.py ck.pth 2 --out o.pkl'),
])
def test_old_order_is_one_line_naming_the_new(script, args, hint):
    proc = run(script, *args)
    assert proc.returncode == 2
    assert proc.stdout == ''  # torchrun never started
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'OpenMMLab order' in lines[0], proc.stderr
    assert lines[0].endswith(hint)


@pytest.mark.parametrize('script,args', [
    ('dist_train.sh', ['cfg.py']),
    ('dist_train.sh', ['cfg.py', 'two']),
    ('dist_test.sh', ['cfg.py', 'ck.pth']),
    ('dist_test.sh', ['cfg.py', 'ck.pth', '0']),
])
def test_missing_or_bad_gpus_is_a_usage_error(script, args):
    proc = run(script, *args)
    assert proc.returncode == 2
    assert proc.stdout == ''
    assert 'usage: tools/' + script in proc.stderr

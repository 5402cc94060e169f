"""tools/dist_train.sh: 2 processes (torchrun, gloo) match 1 process.

2 processes x batch 2 and 1 process x batch 4 see the same global batches
(DefaultSampler without shuffling gives rank r the items r, r+2, ...), so
after 4 AdamW steps the weights agree up to float summation order
(tolerance 1e-5). Validation on 7 items (not divisible by 2: the sampler pads
rank 1 with a repeat) must reach the metric as each index exactly once.
"""
import json
import os
import socket
import subprocess
import sys

import torch

from onediff_kit.checkpoint import load_local

from .engine_config import REPO, write_config

VAL = '''
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(type='IndexedPairs', length=7, width=4),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'))
val_evaluator = dict(type='IndexRecordingMetric', out_file=r"{out}")
val_cfg = dict()
train_cfg = dict(by_epoch=False, max_iters=4, val_interval=4)
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_processes_match_one(tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(REPO)] + os.environ.get('PYTHONPATH', '').split(os.pathsep)),
        PYTHON=sys.executable,
        PORT=str(free_port()),
        OMP_NUM_THREADS='1')
    common = dict(max_iters=4, length=16, shuffle=False, interval=4)
    dist_cfg = write_config(tmp_path / 'dist.py', batch_size=2, **common,
                            extra=VAL.format(out=tmp_path / 'dist.json'))
    one_cfg = write_config(tmp_path / 'one.py', batch_size=4, **common,
                           extra=VAL.format(out=tmp_path / 'one.json'))
    dist = subprocess.Popen(
        ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(dist_cfg),
         '2', '--work-dir', str(tmp_path / 'dist')],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    one = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(one_cfg),
         '--work-dir', str(tmp_path / 'one')],
        env=env, capture_output=True, text=True, timeout=120)
    _, dist_err = dist.communicate(timeout=120)
    assert one.returncode == 0, one.stderr[-3000:]
    assert dist.returncode == 0, dist_err[-3000:]
    log = next((tmp_path / 'dist').glob('*/*.log')).read_text()
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size

    ours = load_local(str(tmp_path / 'dist' / 'iter_4.pth'))['state_dict']
    theirs = load_local(str(tmp_path / 'one' / 'iter_4.pth'))['state_dict']
    assert ours.keys() == theirs.keys()
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=1e-5)

    gathered = json.loads((tmp_path / 'dist.json').read_text())
    assert sorted(gathered) == list(range(7))  # none dropped, none twice
    assert sorted(json.loads((tmp_path / 'one.json').read_text())) == list(
        range(7))

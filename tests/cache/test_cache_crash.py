"""A writer killed with SIGKILL, or two writing at once, leave no corrupt
cache entry."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from onediff_kit.cache import FeatureCache, cache_summary
from onediff_kit.fileio import is_temporary

REPO = Path(__file__).resolve().parents[2]

# Writes entries until killed: large levels, so that most of the time is
# spent inside a write when the kill comes. Bounded (about 600 MB), so that
# a writer the test fails to kill cannot fill the disk.
WRITER = '''
import sys, torch
from tests.cache.test_cache_crash import Levels, images
from onediff_kit.cache import FeatureCache
cache = FeatureCache(sys.argv[1])
encoder = Levels().eval()
for step in range(400):
    cache(encoder, images(step))
'''


class Levels(torch.nn.Module):
    """A deterministic per-image "encoder" with two large levels."""

    def forward(self, x):
        return (x.repeat(1, 1, 8, 1, 1), x.mean(dim=2, keepdim=True))


def images(step):
    g = torch.Generator().manual_seed(step)
    return torch.rand(2, 2, 3, 64, 64, generator=g)


def test_sigkill_while_writing_leaves_only_whole_entries(tmp_path):
    root = tmp_path / 'cache'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, '-c', WRITER, str(root)],
                            cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            rows = cache_summary(str(root))
            if rows and rows[0]['entries'] >= 12:
                break
            assert proc.poll() is None, proc.stderr.read()[-2000:]
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()

    rows = cache_summary(str(root))
    written = rows[0]['entries']
    assert written >= 12
    # Every file under its final name is a whole array.
    finals = [p for p in root.rglob('*.npy') if not is_temporary(p.name)]
    for path in finals:
        np.load(path, mmap_mode='r').sum()
    # A new process serves the surviving entries and recomputes the rest:
    # the features equal the encoder's for every image written so far.
    cache = FeatureCache(str(root))
    encoder = Levels().eval()
    steps = written // 4 + 2
    for step in range(steps):
        x = images(step)
        for got, want in zip(cache(encoder, x), encoder(x)):
            torch.testing.assert_close(got, want)
    assert cache.hits >= written - 4
    assert cache.hits + cache.misses == 4 * steps


# Two writers over the same images at once, as DDP ranks that meet the same
# image: each entry is replaced whole, never interleaved.
RANK = '''
import sys
from tests.cache.test_cache_crash import Levels, images
from onediff_kit.cache import FeatureCache
cache = FeatureCache(sys.argv[1])
for step in range(int(sys.argv[2])):
    cache(Levels().eval(), images(step))
'''


def test_two_processes_writing_the_same_entries(tmp_path):
    root = tmp_path / 'cache'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    ranks = [subprocess.Popen([sys.executable, '-c', RANK, str(root), '6'],
                              cwd=REPO, env=env, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for proc in ranks:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    assert cache_summary(str(root))[0]['entries'] == 24
    assert not [p for p in root.rglob('*') if is_temporary(p.name)]
    cache = FeatureCache(str(root))
    for step in range(6):
        x = images(step)
        for got, want in zip(cache(Levels().eval(), x), Levels()(x)):
            torch.testing.assert_close(got, want)
    assert cache.misses == 0

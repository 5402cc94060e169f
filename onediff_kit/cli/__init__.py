"""The ``onediff`` command line and its sub-commands (see :mod:`.main`)."""
import os

# OpenMP threads that wait for work sleep instead of spinning: on 2 cores
# shared with dataloader workers (or anything else) spinning threads took
# the CPU from the threads with work (BENCHMARKS.md, bench_train_speed.py).
# libgomp reads this when torch loads; no module of this package imports
# torch at import time, so every command (and tools/ shim) sets it first.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

"""Keep glibc from handing large tensors' memory back to the kernel."""
import ctypes
import ctypes.util

from mmengine.hooks import Hook
from mmengine.logging import print_log

from onediff_kit.registry import HOOKS

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def tune_malloc(mmap_threshold, trim_threshold):
    """Set glibc's mmap and trim thresholds (bytes) for this process and the
    processes it forks later. Returns False where the C library is not glibc
    (nothing changed)."""
    path = ctypes.util.find_library('c')
    try:
        libc = ctypes.CDLL(path)
        libc.gnu_get_libc_version  # glibc only
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    # Older glibc refuses mmap thresholds above 32 MiB: take the largest.
    ok = (mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))
          or mallopt(M_MMAP_THRESHOLD, min(int(mmap_threshold), 32 << 20)))
    return bool(ok and mallopt(M_TRIM_THRESHOLD, int(trim_threshold)))


@HOOKS.register_module()
class MallocTuningHook(Hook):
    """Raise glibc's mmap and trim thresholds before the run.

    By default glibc serves every allocation above its mmap threshold (at
    most 32 MiB) with a fresh ``mmap`` and returns it with ``munmap`` when
    freed, so each large activation of every training step faults in new
    zeroed pages. On the 2-core reference machine that was half a second of
    system time and about 300,000 minor page faults per step of the default
    config at batch 32 (BENCHMARKS.md). With both thresholds above the
    largest tensor the freed memory is kept and reused. Dataloader workers
    forked afterwards inherit the setting. A no-op where the C library is
    not glibc.

    Args:
        mmap_threshold (int): bytes; allocations up to this size come from
            the heap (a glibc that refuses it gets 32 MiB). Defaults to
            1 GiB.
        trim_threshold (int): bytes of free heap top kept before trimming.
            Defaults to 1 GiB.
    """

    priority = 'VERY_HIGH'

    def __init__(self, mmap_threshold=2**30, trim_threshold=2**30):
        self.mmap_threshold = mmap_threshold
        self.trim_threshold = trim_threshold

    def before_run(self, runner):
        if tune_malloc(self.mmap_threshold, self.trim_threshold):
            print_log(f'glibc malloc: mmap threshold {self.mmap_threshold}, '
                      f'trim threshold {self.trim_threshold} bytes',
                      logger='current')

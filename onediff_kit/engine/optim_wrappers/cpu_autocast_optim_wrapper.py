from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from onediff_kit.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """OptimWrapper that runs the training forward under CPU autocast.

    mmengine's ``AmpOptimWrapper`` refuses CPUs; on a CPU ``tools/train.py
    --amp`` uses this wrapper instead. bfloat16 needs no loss scaling.

    Args:
        dtype (str): autocast dtype, ``'bfloat16'`` (default) or
            ``'float16'``.
        **kwargs: the arguments of :class:`mmengine.optim.OptimWrapper`
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(
                f'CPUAutocastOptimWrapper: dtype must be "bfloat16" or '
                f'"float16", got {dtype!r}')
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield

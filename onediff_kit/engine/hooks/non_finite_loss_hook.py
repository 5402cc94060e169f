import math

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from onediff_kit.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training when a loss becomes NaN or infinite.

    Runs right after each train iteration, before the checkpoint hook, so the
    weights that the bad step produced are never saved and the last good
    checkpoint stays the latest one. Raises :class:`FloatingPointError`
    naming the iteration (1-based, as in the log) and the loss.

    Args:
        check_all_ranks (bool): in distributed training, agree across ranks
            (one small all-reduce per iteration), so that every rank stops at
            the same iteration instead of the others waiting for a rank that
            has stopped. Defaults to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, check_all_ranks=True):
        self.check_all_ranks = check_all_ranks

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        bad = {}
        for key, value in (outputs or {}).items():
            if 'loss' not in key:
                continue
            number = float(value.detach().float().mean()) if isinstance(
                value, torch.Tensor) else float(value)
            if not math.isfinite(number):
                bad[key] = number
        if self.check_all_ranks and get_world_size() > 1:
            flag = torch.tensor(float(bool(bad)))
            all_reduce(flag, op='max')
            if flag.item() and not bad:
                bad['loss (on another rank)'] = float('nan')
        if not bad:
            return
        losses = ', '.join(f'{key}={value}' for key, value in bad.items())
        last = runner.message_hub.get_info('last_ckpt')
        raise FloatingPointError(
            f'non-finite loss {losses} at iteration {runner.iter + 1}: '
            'training stopped before saving this iteration. The last good '
            f'checkpoint is {last or "none (no checkpoint saved yet)"}; '
            'resume from it with a lower learning rate, gradient clipping '
            'or without the offending data.')

import re

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from onediff_kit.checkpoint import (CheckpointMismatchError,
                                    compare_state_dicts, describe_mismatch)
from onediff_kit.registry import HOOKS


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Refuse a checkpoint whose weights do not fit the model.

    mmengine loads ``load_from``, ``resume`` and test checkpoints non-strictly
    and only logs missing keys, so a checkpoint of another architecture
    silently trains or tests a half-initialised model. This hook compares the
    checkpoint with the model right after loading and before the weights are
    copied, and raises :class:`~onediff_kit.checkpoint.CheckpointMismatchError`
    listing the missing and unexpected keys and the shape mismatches.

    Args:
        strict (bool): raise on any difference. With False the differences
            are logged as a warning and every matching tensor is loaded
            (``tools/train.py --load-non-strict``). Defaults to True.
        revise_keys (list[tuple[str, str]]): ``(pattern, replacement)``
            applied to the checkpoint keys before comparing, as mmengine does
            before loading. Defaults to stripping a ``module.`` prefix.
    """
    priority = 'HIGH'

    def __init__(self, strict=True, revise_keys=((r'^module\.', ''), )):
        self.strict = strict
        self.revise_keys = [tuple(pair) for pair in revise_keys]

    def after_load_checkpoint(self, runner, checkpoint):
        state = checkpoint.get('state_dict', checkpoint)
        for pattern, repl in self.revise_keys:
            state = {re.sub(pattern, repl, k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        # Under FSDP the model holds flat shards: the strategy kept the
        # shapes from before wrapping (WholeModelFSDPStrategy).
        shapes = getattr(getattr(runner, 'strategy', None),
                         'unsharded_shapes', None)
        model_state = model.state_dict() if shapes is None else {
            k: torch.empty(shape, device='meta')
            for k, shape in shapes.items()}
        found = compare_state_dicts(model_state, state)
        if not any(found):
            return
        source = runner.cfg.get('load_from') or 'the checkpoint to resume'
        message = (f'The checkpoint {source} does not fit the model '
                   f'{type(model).__name__}; was it saved by another '
                   f'architecture or config?\n{describe_mismatch(*found)}')
        if self.strict:
            raise CheckpointMismatchError(
                message + '\nTo load the matching weights anyway, pass '
                '--load-non-strict to tools/train.py (or set '
                'default_hooks.checkpoint_match.strict=False).')
        runner.logger.warning(message + '\nLoading the matching weights '
                              'only (strict=False).')

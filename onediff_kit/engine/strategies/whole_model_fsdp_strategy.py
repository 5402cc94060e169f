from functools import partial

import torch
from mmengine._strategy import FSDPStrategy

from onediff_kit.registry import STRATEGIES


@STRATEGIES.register_module()
class WholeModelFSDPStrategy(FSDPStrategy):
    """mmengine's FSDPStrategy, with the two places that look at the whole
    model seeing the whole model rather than this rank's shard.

    * Gradient clipping by norm: mmengine's OptimWrapper calls
      ``torch.nn.utils.clip_grad_norm_`` on the parameters it holds, which
      under FSDP are this rank's shards, and only where the shard holds a
      gradient: every rank clips with its own shard's norm, and a rank whose
      shard is all frozen skips the call (its next collective then pairs
      with another rank's different one). Here every rank calls
      ``FullyShardedDataParallel.clip_grad_norm_``, which reduces the norm
      over all ranks: the norm a single process computes.
    * Checking a checkpoint against the model: with ``use_orig_params``
      the wrapped model's parameters are flat shards; ``unsharded_shapes``
      keeps each state-dict entry's shape from before wrapping, for
      :class:`~onediff_kit.engine.hooks.CheckpointMatchHook`.

    Args:
        **kwargs: the arguments of mmengine's ``FSDPStrategy``
            (``model_wrapper``, ``state_dict_cfg``, ``skip_init_weights``,
            ``activation_checkpointing``, ...).
    """

    def build_model(self, model):
        model = super().build_model(model)
        self.unsharded_shapes = {
            name: tuple(value.shape)
            for name, value in model.state_dict().items()
            if hasattr(value, 'shape')
        }
        return model

    def build_optim_wrapper(self, optim_wrapper, model=None):
        wrapper = super().build_optim_wrapper(optim_wrapper, model)
        if getattr(wrapper, 'clip_grad_kwargs', None) and getattr(
                wrapper, 'clip_func', None) is torch.nn.utils.clip_grad_norm_:
            wrapper._clip_grad = partial(_clip_whole_model, wrapper,
                                         self.model)
        return wrapper


def _clip_whole_model(wrapper, model):
    """OptimWrapper._clip_grad over the whole FSDP model, on every rank."""
    norm = model.clip_grad_norm_(**wrapper.clip_grad_kwargs)
    wrapper.message_hub.update_scalar('train/grad_norm', float(norm))

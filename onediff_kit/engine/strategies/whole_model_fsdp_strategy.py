from functools import partial

import torch
from mmengine._strategy import FSDPStrategy

from onediff_kit.registry import STRATEGIES


@STRATEGIES.register_module()
class WholeModelFSDPStrategy(FSDPStrategy):
    """mmengine's FSDPStrategy, with the places that look at the whole
    model seeing the whole model rather than this rank's shard, and resume
    working with the pinned torch.

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
    * Resuming: mmengine 0.10.7 calls ``FSDP.optim_state_dict_to_load(
      state_dict, model, optimizer)``, the argument order of torch < 2.1;
      torch 2.1+ takes ``(model, optim, optim_state_dict)`` and fails with
      ``TypeError: unhashable type: 'dict'``. Here the arguments are named.
    * Optimizer state on CPU: torch gathers each state of a parameter
      (``exp_avg``, ``exp_avg_sq``) into one reused buffer and "offloads"
      it with ``.cpu()``, which on a CPU returns the buffer itself, so all
      states saved for a parameter were the last one. Without CUDA the
      optimizer state is gathered without offloading (torch then clones).

    Args:
        **kwargs: the arguments of mmengine's ``FSDPStrategy``
            (``model_wrapper``, ``state_dict_cfg``, ``skip_init_weights``,
            ``activation_checkpointing``, ...).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        optim_cfg = getattr(self, 'optim_state_dict_config', None)
        if not torch.cuda.is_available() and hasattr(optim_cfg,
                                                     'offload_to_cpu'):
            optim_cfg.offload_to_cpu = False

    def build_model(self, model):
        model = super().build_model(model)
        self.unsharded_shapes = {
            name: tuple(value.shape)
            for name, value in model.state_dict().items()
            if hasattr(value, 'shape')
        }
        return model

    def load_optim_state_dict(self, state_dict):
        from torch.distributed.fsdp import FullyShardedDataParallel
        self.optim_wrapper.load_state_dict(
            FullyShardedDataParallel.optim_state_dict_to_load(
                model=self.model, optim=self.optim_wrapper.optimizer,
                optim_state_dict=state_dict))

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

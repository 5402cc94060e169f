"""Distributed training and testing on CPU-only machines (gloo).

mmengine's launcher assumes GPUs in two places: ``init_dist`` calls
``torch.cuda.set_device`` and the Runner passes ``device_ids`` to DDP. On a
machine without CUDA :func:`setup_cpu_distributed` switches the backend to
gloo, wraps the model in
:class:`~onediff_kit.engine.model_wrappers.CPUDistributedDataParallel` (or,
for a FlexibleRunner with ``FSDPStrategy``, gives FSDP ``device_id='cpu'``)
and starts torchrun's process group itself (the Runner skips ``init_dist``
when a group exists). On GPUs it changes nothing.
"""
import torch
import torch.distributed as dist


def use_cpu_dist_config(cfg):
    """Set gloo and the CPU DDP wrapper in ``cfg`` when CUDA is absent."""
    if torch.cuda.is_available():
        return cfg
    cfg.merge_from_dict({'env_cfg.dist_cfg.backend': 'gloo'})
    strategy = cfg.get('strategy', None)
    if strategy is not None and str(strategy.get('type')).endswith(
            'FSDPStrategy'):
        # mmengine's FSDPStrategy passes device_id=LOCAL_RANK, which FSDP
        # reads as a CUDA device; an explicit one in model_wrapper wins.
        if strategy.get('model_wrapper') is None:
            strategy.model_wrapper = dict(type='MMFullyShardedDataParallel')
        strategy.model_wrapper.setdefault('device_id', 'cpu')
        return cfg
    wrapper = cfg.get('model_wrapper_cfg', None)
    # mmengine looks the wrapper up in its root registry: the name needs the
    # scope.
    cpu_ddp = 'onediff_kit.CPUDistributedDataParallel'
    if wrapper is None:
        cfg.model_wrapper_cfg = dict(
            type=cpu_ddp,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    elif wrapper.get('type', 'MMDistributedDataParallel') in (
            'MMDistributedDataParallel', 'mmengine.MMDistributedDataParallel'):
        wrapper.type = cpu_ddp
    return cfg


def init_cpu_process_group(cfg):
    """Start the gloo group from torchrun's environment (CPU, pytorch only).

    Reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; the config's
    ``env_cfg.dist_cfg`` (other than ``backend``) is passed on, e.g.
    ``timeout``.
    """
    if (cfg.get('launcher') != 'pytorch' or torch.cuda.is_available()
            or dist.is_initialized()):
        return
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    dist_cfg.pop('backend', None)
    dist.init_process_group(backend='gloo', **dist_cfg)


def setup_cpu_distributed(cfg):
    """Both of the above, for a config whose ``launcher`` is not 'none'."""
    if cfg.get('launcher', 'none') == 'none':
        return cfg
    use_cpu_dist_config(cfg)
    init_cpu_process_group(cfg)
    return cfg


def close_process_group():
    """Destroy the process group, if any, once the job has finished.

    Left alive, gloo's worker threads are destroyed at interpreter exit while
    still joinable, and a rank can die with "terminate called without an
    active exception" (SIGABRT) after its work is done; the barrier keeps
    rank 0, which hosts the rendezvous store, from leaving first.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()  # no rank leaves while another still talks to it
        dist.destroy_process_group()

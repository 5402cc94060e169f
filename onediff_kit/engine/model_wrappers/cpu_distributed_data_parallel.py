from mmengine.model import MMDistributedDataParallel

from onediff_kit.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` for models on the CPU (gloo).

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which torch's
    DDP rejects for a CPU module; this wrapper drops ``device_ids`` and
    ``output_device`` then. ``tools/train.py`` picks it on machines without
    CUDA; on GPUs it is plain ``MMDistributedDataParallel``.

    Args:
        module (nn.Module): the model to wrap.
        detect_anomalous_params (bool): as for MMDistributedDataParallel.
        **kwargs: the arguments of
            :class:`torch.nn.parallel.DistributedDataParallel`.
    """

    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        if all(p.device.type == 'cpu' for p in module.parameters()):
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(
            module=module,
            detect_anomalous_params=detect_anomalous_params,
            **kwargs)

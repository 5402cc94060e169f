from onediff_kit.engine.model_wrappers.cpu_distributed_data_parallel import \
    CPUDistributedDataParallel

__all__ = ['CPUDistributedDataParallel']

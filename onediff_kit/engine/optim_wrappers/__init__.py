from onediff_kit.engine.optim_wrappers.cpu_autocast_optim_wrapper import \
    CPUAutocastOptimWrapper

__all__ = ['CPUAutocastOptimWrapper']

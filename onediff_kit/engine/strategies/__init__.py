from onediff_kit.engine.strategies.whole_model_fsdp_strategy import \
    WholeModelFSDPStrategy

__all__ = ['WholeModelFSDPStrategy']

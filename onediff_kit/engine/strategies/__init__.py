from onediff_kit.engine.strategies.layer_class_wrap_policy import \
    layer_class_wrap_policy
from onediff_kit.engine.strategies.whole_model_fsdp_strategy import \
    WholeModelFSDPStrategy

__all__ = ['WholeModelFSDPStrategy', 'layer_class_wrap_policy']

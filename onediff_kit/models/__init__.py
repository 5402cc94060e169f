# The attention function stays at onediff_kit.models.attention.attention; it
# is not re-exported so the name keeps meaning the module.
from onediff_kit.contracts import (BaseDecoder, BaseDelta, BaseDeltaHead,
                                   BaseEncoder, BaseProjector, DecoderOutput,
                                   DeltaOutput)
from onediff_kit.models.attention import (MultiheadAttention,
                                          set_attn_backend)
from onediff_kit.models.data_preprocessor import DiffDataPreprocessor
from onediff_kit.models.levels import check_level
from onediff_kit.models.onediff import OneDiff

__all__ = [
    'BaseEncoder', 'BaseDelta', 'BaseProjector', 'BaseDecoder',
    'BaseDeltaHead', 'DeltaOutput', 'DecoderOutput', 'OneDiff',
    'DiffDataPreprocessor', 'MultiheadAttention', 'set_attn_backend',
    'check_level'
]

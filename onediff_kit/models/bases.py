"""The model parts' contracts under their plugin API 1 import path.

They live in :mod:`onediff_kit.contracts`; this path keeps plugins written
from the 0.1 template importing until onediff_kit 1.0.0.
"""
import warnings

from onediff_kit.contracts import (GUIDE, MIGRATION_SECTION, BaseDecoder,
                                   BaseDelta, BaseDeltaHead, BaseEncoder,
                                   BaseProjector, DecoderOutput, DeltaOutput)
from onediff_kit.plugin_compat import (SUPPORTED_UNTIL,
                                       PluginDeprecationWarning)

__all__ = ['BaseEncoder', 'BaseDelta', 'BaseProjector', 'BaseDecoder',
           'BaseDeltaHead', 'DeltaOutput', 'DecoderOutput']

warnings.warn(
    'onediff_kit.models.bases is the plugin API 1 import path, kept until '
    f'onediff_kit {SUPPORTED_UNTIL}; import from onediff_kit.contracts '
    f'(see {GUIDE}, section "{MIGRATION_SECTION}")',
    PluginDeprecationWarning, stacklevel=2)

"""The dataset contract under its plugin API 1 import path.

It lives in :mod:`onediff_kit.contracts`; this path keeps plugins written
for 0.1 importing until onediff_kit 1.0.0.
"""
import warnings

from onediff_kit.contracts import (DEFAULT_PROMPT, GUIDE, MIGRATION_SECTION,
                                   PromptedDatasetMixin, merge_prompt_args)
from onediff_kit.plugin_compat import (SUPPORTED_UNTIL,
                                       PluginDeprecationWarning)

__all__ = ['DEFAULT_PROMPT', 'PromptedDatasetMixin', 'merge_prompt_args']

warnings.warn(
    'onediff_kit.data.prompted_dataset is the plugin API 1 import path, '
    f'kept until onediff_kit {SUPPORTED_UNTIL}; import from '
    f'onediff_kit.contracts (see {GUIDE}, section "{MIGRATION_SECTION}")',
    PluginDeprecationWarning, stacklevel=2)

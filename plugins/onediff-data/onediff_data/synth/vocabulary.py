"""The synthetic scene vocabulary, re-exported from the core.

The words live in :mod:`onediff_kit.data.scene_vocabulary`, a data contract
that the generator, the semantic metric and the change-attribute head share.
"""
from onediff_kit.data.scene_vocabulary import *  # noqa: F401,F403
from onediff_kit.data.scene_vocabulary import __all__  # noqa: F401

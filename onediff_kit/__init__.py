"""onediff_kit: image difference captioning (OneDiff) on mmengine."""
from onediff_kit.version import __version__
from onediff_kit.checkpoint import enable_safe_checkpoint_loading

enable_safe_checkpoint_loading()

__all__ = ['__version__']

"""onediff_kit: image difference captioning (OneDiff) on mmengine.

Importing the package has no side effects; call :func:`onediff_kit.init`
once before building components from configs (the tools, the ``onediff``
command and :class:`onediff_kit.apis.DiffCaptioner` do it for you).
"""
from onediff_kit.runtime import init
from onediff_kit.version import __version__

__all__ = ['__version__', 'init']

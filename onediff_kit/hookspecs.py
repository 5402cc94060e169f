"""Every pluggy hook specification of onediff_kit, in one place.

A plugin is a Python package that declares an entry point in the group
``onediff_kit.plugins`` pointing at a module (or object) with functions
marked by :data:`hookimpl`. See docs/plugin_guide.md.
"""
import pluggy

PROJECT_NAME = 'onediff_kit'
ENTRY_POINT_GROUP = 'onediff_kit.plugins'

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def onediff_register_components(registries):
    """Register this plugin's components.

    Called once per process, by :func:`onediff_kit.init` (the tools, the
    ``onediff`` command and ``DiffCaptioner`` call it); never by a registry
    lookup.

    Args:
        registries (module): :mod:`onediff_kit.registry`; register with e.g.
            ``registries.MODELS.register_module(module=MyDelta)`` or import
            modules whose classes use ``@MODELS.register_module()``.
    """

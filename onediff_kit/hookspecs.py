"""Every pluggy hook specification of onediff_kit, in one place.

A plugin is a Python package that declares an entry point in the group
``onediff_kit.plugins`` pointing at a module (or object) with functions
marked by :data:`hookimpl`. See docs/plugin_guide.md.
"""
import pluggy

PROJECT_NAME = 'onediff_kit'
ENTRY_POINT_GROUP = 'onediff_kit.plugins'

# The plugin API: the hook below and the contracts of onediff_kit.contracts,
# as (MAJOR, MINOR). MAJOR grows when a plugin written for the previous API
# must change (CHANGELOG.md has the migration), MINOR when something is
# added. A plugin checks it with e.g. ``PLUGIN_API_VERSION[0] == 2``.
# API 1 (onediff_kit 0.1): a delta's forward(feats) -> tensor, a decoder's
# predict(visual_tokens, data_samples) -> list of captions.
# API 2 (onediff_kit 0.2): DeltaOutput and DecoderOutput.
PLUGIN_API_VERSION = (2, 0)

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

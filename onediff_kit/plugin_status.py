"""What loading the plugins found, readable without loading them.

:mod:`onediff_kit.plugin_manager` writes it; the registries' error messages
and ``onediff list`` read it. A module of its own so that
:mod:`onediff_kit.registry` never imports the plugin manager (which imports
the registry to hand it to the plugins).
"""

# plugin name -> one-line error, for plugins that failed to load or register
PLUGIN_ERRORS = {}

_state = dict(loaded=False)


def plugins_loaded():
    """Whether :func:`onediff_kit.init` has loaded the plugins."""
    return _state['loaded']


def mark_plugins_loaded():
    _state['loaded'] = True

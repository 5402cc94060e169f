"""What loading the plugins found, readable without loading them.

:mod:`onediff_kit.plugin_manager` writes it; the registries' error messages,
``onediff list`` and the contract checks read it. A module of its own so
that :mod:`onediff_kit.registry` never imports the plugin manager (which
imports the registry to hand it to the plugins).
"""
from importlib.metadata import entry_points, packages_distributions

from onediff_kit.hookspecs import ENTRY_POINT_GROUP

# plugin name -> one-line error, for plugins that failed to load or register
PLUGIN_ERRORS = {}

_state = dict(loaded=False)


def plugins_loaded():
    """Whether :func:`onediff_kit.init` has loaded the plugins."""
    return _state['loaded']


def mark_plugins_loaded():
    _state['loaded'] = True


def plugin_packages():
    """Top-level package -> plugin name, from the ``onediff_kit.plugins``
    entry points: one distribution may hold several plugins (onediff-kit
    ships onediff-models, onediff-data and onediff-metrics)."""
    return {
        ep.value.split(':')[0].split('.')[0]: ep.name
        for ep in entry_points(group=ENTRY_POINT_GROUP)
    }


def provider_of(cls, dists=None, plugins=None):
    """The plugin that provides ``cls``, else its distribution, else its
    top-level module.

    Args:
        cls (type): a registered class (or function).
        dists (dict, optional): ``packages_distributions()``, when the
            caller asks for many classes.
        plugins (dict, optional): :func:`plugin_packages`, likewise.
    """
    top = cls.__module__.split('.')[0]
    plugins = plugin_packages() if plugins is None else plugins
    if top in plugins:
        return plugins[top]
    dists = packages_distributions() if dists is None else dists
    names = dists.get(top)
    return names[0] if names else top


def describe_provider(cls):
    """``plugin NAME`` for the plugin that provides ``cls``, with its
    distribution where that has another name, e.g. ``plugin onediff-models
    (distribution onediff_kit)``; error messages start with it."""
    name = provider_of(cls)
    dists = packages_distributions().get(cls.__module__.split('.')[0], [])

    def norm(text):
        return text.lower().replace('_', '-')

    others = [d for d in dists if norm(d) != norm(name)]
    return f'plugin {name}' + (f' (distribution {others[0]})'
                               if others else '')

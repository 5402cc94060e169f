"""Discover plugins from the ``onediff_kit.plugins`` entry-point group.

The project's own components (``plugins/onediff-*``) come in through the same
entry-point group and hook as a third party's. A plugin that fails to import
or to register is logged by name with its error and recorded in
:data:`PLUGIN_ERRORS`; every other plugin keeps working. Plugins named in the
environment variable ``ONEDIFF_DISABLE_PLUGINS`` (comma separated) are blocked.
"""
import os
import threading
import traceback
from importlib.metadata import entry_points

import warnings

import pluggy

from onediff_kit import hookspecs

DISABLE_ENV = 'ONEDIFF_DISABLE_PLUGINS'

# name -> one-line error, for plugins that failed to load or register
PLUGIN_ERRORS = {}
# name -> distribution name that provides it, for loaded plugins
PLUGIN_PROVIDERS = {}

_lock = threading.RLock()


class PluginLoadWarning(RuntimeWarning):
    """A plugin failed to import or to register its components."""

_manager = None


def disabled_plugins():
    """Names listed in ONEDIFF_DISABLE_PLUGINS."""
    raw = os.environ.get(DISABLE_ENV, '')
    return {name.strip() for name in raw.split(',') if name.strip()}


def _error_line(exc):
    return ''.join(traceback.format_exception_only(type(exc), exc)).strip()


def _report(name, stage, exc):
    PLUGIN_ERRORS[name] = f'{stage}: {_error_line(exc)}'
    # warnings go to stderr, so `onediff list --json` keeps stdout clean.
    warnings.warn(
        f'onediff plugin "{name}" failed to {stage} and is skipped: '
        f'{_error_line(exc)}',
        PluginLoadWarning,
        stacklevel=2)


def get_plugin_manager():
    """The process-wide PluginManager, with plugins loaded (not yet called)."""
    global _manager
    with _lock:
        if _manager is not None:
            return _manager
        pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        pm.add_hookspecs(hookspecs)
        blocked = disabled_plugins()
        for ep in entry_points(group=hookspecs.ENTRY_POINT_GROUP):
            if ep.name in blocked:
                pm.set_blocked(ep.name)
                continue
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must not stop others
                _report(ep.name, 'import', exc)
                continue
            PLUGIN_PROVIDERS[ep.name] = ep.dist.name if ep.dist else ep.name
        _manager = pm
        return pm


_loaded = False


def load_plugins():
    """Call every plugin's ``onediff_register_components`` hook once."""
    global _loaded
    with _lock:
        if _loaded:
            return
        _loaded = True
        from onediff_kit import registry
        pm = get_plugin_manager()
        # Call each implementation on its own so one failure spares the rest.
        for impl in pm.hook.onediff_register_components.get_hookimpls():
            try:
                impl.function(registries=registry)
            except Exception as exc:
                _report(impl.plugin_name, 'register', exc)


def register_plugin(plugin, name):
    """Register an in-process plugin object (tests, notebooks) and call it."""
    from onediff_kit import registry
    pm = get_plugin_manager()
    pm.register(plugin, name=name)
    PLUGIN_PROVIDERS[name] = name
    for impl in pm.hook.onediff_register_components.get_hookimpls():
        if impl.plugin_name == name:
            impl.function(registries=registry)

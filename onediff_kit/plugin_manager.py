"""Discover plugins from the ``onediff_kit.plugins`` entry-point group.

The project's own components (``plugins/onediff-*``) come in through the same
entry-point group and hook as a third party's. :func:`load_plugins` (called
by :func:`onediff_kit.init`, never by a registry lookup) imports them and
calls each one's ``onediff_register_components`` once. A plugin that fails to
import or to register is logged by name with its error and recorded in
:data:`PLUGIN_ERRORS`; every other plugin keeps working. Plugins named in the
environment variable ``ONEDIFF_DISABLE_PLUGINS`` (comma separated) are
blocked; a name there that no installed plugin has is warned about, with the
closest installed names.
"""
import difflib
import os
import threading
import traceback
import warnings
from importlib.metadata import entry_points

import pluggy

from onediff_kit import hookspecs, registry
from onediff_kit.plugin_compat import PluginDeprecationWarning
from onediff_kit.plugin_status import (PLUGIN_ERRORS, mark_plugins_loaded,
                                       plugins_loaded)

DISABLE_ENV = 'ONEDIFF_DISABLE_PLUGINS'

__all__ = ['PLUGIN_ERRORS', 'PluginLoadWarning', 'UnknownPluginNameWarning',
           'disabled_plugins', 'get_plugin_manager', 'load_plugins',
           'register_plugin']

_lock = threading.RLock()
_manager = None
# names of the plugins whose hook has been called
_registered = set()


class PluginLoadWarning(RuntimeWarning):
    """A plugin failed to import or to register its components."""


class UnknownPluginNameWarning(UserWarning):
    """ONEDIFF_DISABLE_PLUGINS names a plugin that is not installed."""


def disabled_plugins():
    """Names listed in ONEDIFF_DISABLE_PLUGINS."""
    raw = os.environ.get(DISABLE_ENV, '')
    return {name.strip() for name in raw.split(',') if name.strip()}


def unknown_disabled_names(blocked, installed):
    """Messages for names in ``blocked`` that no installed plugin has.

    Args:
        blocked (Iterable[str]): names from ONEDIFF_DISABLE_PLUGINS.
        installed (Iterable[str]): entry-point names of installed plugins.

    Returns:
        list[str]: one message per unknown name, with close matches.
    """
    installed = sorted(set(installed))
    messages = []
    for name in sorted(set(blocked) - set(installed)):
        close = difflib.get_close_matches(name, installed, n=3, cutoff=0.6)
        hint = (f'did you mean: {", ".join(close)}?' if close else
                f'installed plugins: {", ".join(installed) or "none"}')
        messages.append(f'{DISABLE_ENV} names "{name}", which is not an '
                        f'installed onediff plugin; {hint}')
    return messages


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
    """The process-wide PluginManager with the installed plugins imported
    and registered with it (their hooks not yet called)."""
    global _manager
    with _lock:
        if _manager is not None:
            return _manager
        pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        pm.add_hookspecs(hookspecs)
        blocked = disabled_plugins()
        found = entry_points(group=hookspecs.ENTRY_POINT_GROUP)
        for message in unknown_disabled_names(blocked,
                                              [ep.name for ep in found]):
            warnings.warn(message, UnknownPluginNameWarning, stacklevel=2)
        for ep in found:
            if ep.name in blocked:
                pm.set_blocked(ep.name)
                continue
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken plugin must not stop others
                _report(ep.name, 'import', exc)
        _manager = pm
        return pm


def _call_hooks(only=None):
    """Call ``onediff_register_components`` of each plugin not yet called
    (or of the plugin ``only``), each on its own so one failure spares the
    rest."""
    pm = get_plugin_manager()
    for impl in pm.hook.onediff_register_components.get_hookimpls():
        name = impl.plugin_name
        if name in _registered or (only is not None and name != only):
            continue
        _registered.add(name)
        try:
            impl.function(registries=registry)
        except Exception as exc:
            if only is not None:
                raise
            _report(name, 'register', exc)


def load_plugins():
    """Import every installed plugin and call its hook, once per process
    (thread-safe). :func:`onediff_kit.init` calls it.

    Python hides a DeprecationWarning raised outside ``__main__``; the ones
    that tell a plugin's author what to change are shown (once per place).
    """
    with _lock:
        if plugins_loaded():
            return
        warnings.filterwarnings('default', category=PluginDeprecationWarning)
        _call_hooks()
        mark_plugins_loaded()


def register_plugin(plugin, name):
    """Register an in-process plugin object (tests, notebooks) and call its
    hook now; :func:`load_plugins` does not call it a second time."""
    with _lock:
        get_plugin_manager().register(plugin, name=name)
        _call_hooks(only=name)

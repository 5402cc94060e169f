"""Run a tool's ``main`` and print the errors a user can act on as one line.

Used by ``onediff train``, ``test``, ``demo``, ``export`` and
``merge-lora`` (and their tools/ shims): a refused,
mismatched or non-checkpoint file, a missing file, a non-finite loss, an
unknown component name (:class:`~onediff_kit.registry.RegistryKeyError`,
which lists close matches), a plugin that breaks its contract
(:class:`~onediff_kit.contracts.ContractError`) or a wrong config value or
command-line option (:class:`~onediff_kit.config_check.ConfigError`, which
names the key) ends the tool with exit status 1 and one ``error: ...`` line
instead of a deep traceback; ``--debug`` keeps the traceback. Errors are
told apart by their type only; any other error is a bug and keeps its
traceback.
"""
import sys


def clear_error_types():
    """The exception types whose message is the whole story."""
    from onediff_kit.checkpoint import (CheckpointMismatchError,
                                        NotACheckpointError,
                                        UnsafeCheckpointError)
    from onediff_kit.config_check import ConfigError
    from onediff_kit.contracts import ContractError
    from onediff_kit.registry import RegistryKeyError
    return (UnsafeCheckpointError, NotACheckpointError,
            CheckpointMismatchError, FloatingPointError, FileNotFoundError,
            ConfigError, RegistryKeyError, ContractError)


def error_line(exc):
    """The one line printed for a clear error ``exc``."""
    from onediff_kit.config_check import ConfigError
    from onediff_kit.contracts import ContractError
    from onediff_kit.registry import RegistryKeyError
    if isinstance(exc, (RegistryKeyError, ContractError)):
        return f'error: {exc.args[0]}'
    what = 'config' if isinstance(exc, ConfigError) else type(exc).__name__
    return f'error: {what}: {exc} (--debug shows the traceback)'


def call_with_clear_errors(func, debug=False):
    """Call ``func()``; return the exit status (0, or 1 on a clear error).
    With ``debug`` every error keeps its traceback."""
    if debug:
        func()
        return 0
    try:
        func()
    except clear_error_types() as exc:
        print(error_line(exc), file=sys.stderr)
        return 1
    return 0


def with_clear_errors(action):
    """``action(args)`` as a sub-command's ``func``: exit status 0, or 1
    with one line for a clear error (``args.debug`` keeps the traceback)."""

    def func(args):
        return call_with_clear_errors(lambda: action(args), args.debug)

    return func


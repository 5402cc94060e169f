"""Run a tool's ``main`` and print the errors a user can act on as one line.

Used by tools/train.py and tools/test.py: a refused or mismatched
checkpoint, a missing file, a non-finite loss, an unknown component name
(the registry's KeyError lists close matches) or a wrong config value or
command-line option (:class:`~onediff_kit.config_check.ConfigError`, which
names the key) ends the tool with exit status 1 and one ``error: ...``
line instead of a deep traceback; ``--debug`` keeps the traceback.
"""
import sys


def clear_error_types():
    from onediff_kit.checkpoint import (CheckpointMismatchError,
                                        UnsafeCheckpointError)
    from onediff_kit.config_check import ConfigError
    return (UnsafeCheckpointError, CheckpointMismatchError,
            FloatingPointError, FileNotFoundError, ConfigError)


def run_with_clear_errors(main, argv=None):
    """Call ``main(argv)``; return the exit status (0, or 1 on a clear
    error). With ``--debug`` in ``argv`` every error keeps its traceback.
    """
    if argv is None:
        argv = sys.argv[1:]
    if '--debug' in argv:
        main(argv)
        return 0
    try:
        main(argv)
    except clear_error_types() as exc:
        from onediff_kit.config_check import ConfigError
        what = 'config' if isinstance(exc, ConfigError) else \
            type(exc).__name__
        print(f'error: {what}: {exc} (--debug shows the traceback)',
              file=sys.stderr)
        return 1
    except KeyError as exc:
        if 'registry' not in str(exc):
            raise
        print(f'error: {exc.args[0]}', file=sys.stderr)
        return 1
    return 0

"""Run a tool's ``main`` and print the errors a user can act on as one line.

Used by tools/train.py and tools/test.py: a refused or mismatched
checkpoint, a missing file, a non-finite loss or an unknown component name
(the registry's KeyError lists close matches) ends the tool with exit
status 1 and one ``error: ...`` line instead of a deep traceback.
"""
import sys


def clear_error_types():
    from onediff_kit.checkpoint import (CheckpointMismatchError,
                                        UnsafeCheckpointError)
    return (UnsafeCheckpointError, CheckpointMismatchError,
            FloatingPointError, FileNotFoundError)


def run_with_clear_errors(main, argv=None):
    """Call ``main(argv)``; return the exit status (0, or 1 on a clear
    error)."""
    try:
        main(argv)
    except clear_error_types() as exc:
        print(f'error: {type(exc).__name__}: {exc}', file=sys.stderr)
        return 1
    except KeyError as exc:
        if 'registry' not in str(exc):
            raise
        print(f'error: {exc.args[0]}', file=sys.stderr)
        return 1
    return 0

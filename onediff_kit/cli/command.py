"""Run one ``onediff`` sub-command from Python: its module's ``main(argv)``
and the tools/ shims parse their arguments here, with the same parser as
the ``onediff`` command."""
import sys


def parse_command(command, argv=None):
    """Parse ``argv`` (default: ``sys.argv[1:]``) as ``onediff COMMAND
    ARGV`` would."""
    from onediff_kit.cli.main import build_parser
    argv = sys.argv[1:] if argv is None else list(argv)
    return build_parser().parse_args([command] + argv)


def run_command(command, argv=None):
    """``onediff COMMAND ARGV`` (default: ``sys.argv[1:]``); returns the
    exit status. The tools/ shims and ``python -m`` call this."""
    from onediff_kit.cli.main import main
    argv = sys.argv[1:] if argv is None else list(argv)
    return main([command] + argv)

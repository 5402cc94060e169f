"""The ``onediff`` command line: one sub-command per module in this package."""
import argparse
import importlib
import sys

from onediff_kit.extras import missing_extra
from onediff_kit.quiet import quiet_third_party
from onediff_kit.version import __version__

# Each module defines add_parser(subparsers) and sets `func` on its parser,
# and `extras` (setup.py's optional extras it needs) where it has any.
SUBCOMMAND_MODULES = [
    'onediff_kit.cli.list_components',
    'onediff_kit.cli.data',
    'onediff_kit.cli.eval',
    'onediff_kit.cli.caption',
    'onediff_kit.cli.serve',
    'onediff_kit.cli.cache',
    'onediff_kit.cli.train',
    'onediff_kit.cli.test',
    'onediff_kit.cli.demo',
    'onediff_kit.cli.export',
    'onediff_kit.cli.merge_lora',
]


def build_parser():
    parser = argparse.ArgumentParser(
        prog='onediff',
        description='Image difference captioning toolkit (OneDiff).')
    parser.add_argument(
        '--version', action='version', version=f'onediff_kit {__version__}')
    parser.add_argument(
        '--verbose', action='store_true',
        help='show third-party warnings and log lines (hidden by default); '
        'also accepted after the command')
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    for command in subparsers.choices.values():
        _accept_verbose(command)
    return parser


def _accept_verbose(parser):
    """Let ``--verbose`` follow a (nested) command too; main() reads it."""
    try:
        parser.add_argument('--verbose', action='store_true',
                            default=argparse.SUPPRESS,
                            help='show third-party warnings and log lines')
    except argparse.ArgumentError:
        pass  # the command has its own --verbose
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _accept_verbose(command)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # Before the sub-command modules and plugins import the libraries that
    # warn on import (mmcv-lite, transformers).
    quiet_third_party(verbose='--verbose' in argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    for extra in getattr(args, 'extras', ()):
        message = missing_extra(extra, f'onediff {args.command}')
        if message:  # before anything loads
            print(f'error: {message}', file=sys.stderr)
            return 1
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())

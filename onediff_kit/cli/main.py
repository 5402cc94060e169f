"""The ``onediff`` command line: one sub-command per module in this package."""
import argparse
import importlib
import sys

from onediff_kit.version import __version__

# Each module defines add_parser(subparsers) and sets `func` on its parser.
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
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())

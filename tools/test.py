"""``onediff test`` under OpenMMLab's familiar path (the arguments:
``onediff test --help``, :mod:`onediff_kit.cli.test`)."""
import sys

from onediff_kit.cli.command import run_command

if __name__ == '__main__':
    sys.exit(run_command('test'))

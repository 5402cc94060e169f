"""``onediff train`` under OpenMMLab's familiar path (the arguments:
``onediff train --help``, :mod:`onediff_kit.cli.train`)."""
import sys

from onediff_kit.cli.command import run_command

if __name__ == '__main__':
    sys.exit(run_command('train'))

"""``onediff demo`` under OpenMMLab's familiar path (the arguments:
``onediff demo --help``, :mod:`onediff_kit.cli.demo`)."""
import sys

from onediff_kit.cli.command import run_command

if __name__ == '__main__':
    sys.exit(run_command('demo'))

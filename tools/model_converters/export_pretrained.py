"""``onediff export`` (a checkpoint as a pretrained folder) under
OpenMMLab's familiar path (:mod:`onediff_kit.cli.export`)."""
import sys

from onediff_kit.cli.command import run_command

if __name__ == '__main__':
    sys.exit(run_command('export'))

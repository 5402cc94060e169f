"""``onediff merge-lora`` (a LoRA adapter merged into the LM) under
OpenMMLab's familiar path (:mod:`onediff_kit.cli.merge_lora`)."""
import sys

from onediff_kit.cli.command import run_command

if __name__ == '__main__':
    sys.exit(run_command('merge-lora'))

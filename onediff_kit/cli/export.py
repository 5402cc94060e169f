"""``onediff export``: a trained checkpoint as a pretrained folder
(safetensors, no pickle).

Usage:
    onediff export CONFIG CHECKPOINT OUT_DIR
        [--scores WORK_DIR/scores.json ...] [--cfg-options k=v ...]
        [--train-command CMD] [--test-command CMD]

Builds CONFIG's model, loads CHECKPOINT (``weights_only=True``) and writes
OUT_DIR with ``config.json``, ``config.py``, ``model.safetensors``, the
tokenizer and a model card (``README.md``) that shows the ``--scores``
files of ``onediff test`` with their protocol. Afterwards::

    onediff caption --model OUT_DIR before.png after.png
    DiffCaptioner.from_pretrained('OUT_DIR')
"""
import sys

from mmengine.config import DictAction

from onediff_kit.cli.clear_errors import with_clear_errors
from onediff_kit.cli.command import parse_command, run_command


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'export', help='export a checkpoint as a pretrained folder',
        description='Export a checkpoint as a pretrained folder.')
    parser.add_argument('config', help='the training config')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('out_dir', help='the folder to write')
    parser.add_argument('--scores', nargs='+', default=[],
                        help='scores.json files (onediff test, onediff '
                        'eval) to show on the model card')
    parser.add_argument('--train-command', help='the command that trained '
                        'it (default: onediff train CONFIG)')
    parser.add_argument('--test-command', help='the command that tested it '
                        '(default: onediff test CONFIG CHECKPOINT)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides used when training')
    parser.add_argument('--debug', action='store_true',
                        help='print the traceback of config and input errors')
    parser.set_defaults(func=with_clear_errors(export))


def export(args):
    """Export as the parsed ``args`` say. Errors
    propagate (the command prints the clear ones as one line)."""
    import onediff_kit
    from onediff_kit.apis import DiffCaptioner
    onediff_kit.init()
    captioner = DiffCaptioner(args.config, args.checkpoint, device='cpu',
                              cfg_options=args.cfg_options)
    commands = dict(
        train=args.train_command or f'onediff train {args.config}',
        test=args.test_command or
        f'onediff test {args.config} {args.checkpoint}')
    captioner.save_pretrained(args.out_dir, scores=args.scores,
                              commands=commands)
    print(f'wrote {args.out_dir} (onediff caption --model {args.out_dir} '
          'BEFORE AFTER)')


def main(argv=None):
    """Export as ``onediff export ARGV`` would. Errors propagate."""
    return export(parse_command('export', argv))


if __name__ == '__main__':
    sys.exit(run_command('export'))

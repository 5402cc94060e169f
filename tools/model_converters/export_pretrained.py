"""Export a trained checkpoint as a pretrained folder (safetensors, no pickle).

Usage:
    python tools/model_converters/export_pretrained.py CONFIG CHECKPOINT \
        OUT_DIR [--scores WORK_DIR/scores.json ...] [--cfg-options k=v ...]
        [--train-command CMD] [--test-command CMD]

Builds CONFIG's model, loads CHECKPOINT (``weights_only=True``) and writes
OUT_DIR with ``config.json``, ``config.py``, ``model.safetensors``, the
tokenizer and a model card (``README.md``) that shows the ``--scores``
files of ``tools/test.py`` with their protocol. Afterwards::

    onediff caption --model OUT_DIR before.png after.png
    DiffCaptioner.from_pretrained('OUT_DIR')
"""
import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='export a checkpoint as a pretrained folder')
    parser.add_argument('config', help='the training config')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('out_dir', help='the folder to write')
    parser.add_argument('--scores', nargs='+', default=[],
                        help='scores.json files (tools/test.py, onediff '
                        'eval) to show on the model card')
    parser.add_argument('--train-command', help='the command that trained '
                        'it (default: tools/train.py CONFIG)')
    parser.add_argument('--test-command', help='the command that tested it '
                        '(default: tools/test.py CONFIG CHECKPOINT)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides used when training')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import onediff_kit
    from onediff_kit.apis import DiffCaptioner
    onediff_kit.init()
    captioner = DiffCaptioner(args.config, args.checkpoint, device='cpu',
                              cfg_options=args.cfg_options)
    commands = dict(
        train=args.train_command or f'python tools/train.py {args.config}',
        test=args.test_command or
        f'python tools/test.py {args.config} {args.checkpoint}')
    captioner.save_pretrained(args.out_dir, scores=args.scores,
                              commands=commands)
    print(f'wrote {args.out_dir} (onediff caption --model {args.out_dir} '
          'BEFORE AFTER)')
    return 0


if __name__ == '__main__':
    from onediff_kit.cli.clear_errors import run_with_clear_errors
    sys.exit(run_with_clear_errors(main))

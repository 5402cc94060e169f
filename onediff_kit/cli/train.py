"""``onediff train``: train a model from a config with the mmengine Runner.

The arguments are those of mmpretrain's tools/train.py; tools/train.py and
tools/dist_train.sh run this command.
"""
import os
import os.path as osp
import sys

from onediff_kit.cli.clear_errors import with_clear_errors
from onediff_kit.cli.command import parse_command, run_command
from onediff_kit.cli.runner_args import (add_runner_arguments,
                                         merge_runner_args, start)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'train', help='train a model from a config',
        description='Train an onediff_kit model from a config.')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, with no value, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: float16 AMP on CUDA, bfloat16 autocast on CPU')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic algorithms (slower, reproducible)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--load-non-strict',
        action='store_true',
        help='load a checkpoint (load_from or --resume) whose keys or shapes '
        'differ from the model: only the matching weights, with a warning '
        'listing the rest, instead of an error')
    add_runner_arguments(
        parser,
        cfg_options_example='model.delta.num_tokens=16 '
        'train_cfg.max_iters=100',
        verbose_help='show everything mmengine logs (environment, config, '
        'hook table, iteration lines) and library warnings on the console; '
        'without it they go only to the log file in the work dir')
    parser.set_defaults(func=with_clear_errors(train))


def use_amp(cfg, announce=True):
    """Pick the mixed-precision optimiser wrapper for this machine (and say
    which on a CPU when ``announce``)."""
    import torch
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        # mmengine's AmpOptimWrapper asserts on CPU-only machines.
        if announce:
            print('--amp on a CPU: training with bfloat16 autocast '
                  '(CPUAutocastOptimWrapper).')
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.setdefault('dtype', 'bfloat16')


def merge_args(cfg, args):
    """Merge command-line arguments into the config (CLI wins)."""
    merge_runner_args(cfg, args)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        use_amp(cfg)
    if args.launcher != 'none':
        # gloo and a CPU-capable DDP wrapper where CUDA is absent
        from onediff_kit.engine.distributed import use_cpu_dist_config
        use_cpu_dist_config(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.load_non_strict:
        hooks = list((cfg.get('default_hooks', None) or {}).values())
        for hook in hooks + list(cfg.get('custom_hooks', None) or []):
            if hook and hook.get('type') == 'CheckpointMatchHook':
                hook['strict'] = False
    randomness = dict(cfg.get('randomness', {}) or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    return cfg


def show_console(cfg, verbose):
    """Print the config summary (rank 0) and, unless ``verbose``, draw
    progress bars and score tables with ConsoleProgressHook."""
    from onediff_kit.cli.console import add_progress_hook, config_summary
    if os.environ.get('RANK', '0') == '0':
        print(config_summary(cfg), flush=True)
    add_progress_hook(cfg, verbose)


def train(args):
    """Train as the parsed ``args`` say; returns the runner. Errors
    propagate (``onediff train`` prints the clear ones as one line)."""
    start(args)
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist')
    from mmengine.config import Config
    cfg = merge_args(Config.fromfile(args.config), args)
    show_console(cfg, args.verbose)
    from onediff_kit.cli.console import runner_console
    from onediff_kit.engine.distributed import (close_process_group,
                                                init_cpu_process_group)
    init_cpu_process_group(cfg)
    if 'runner_type' in cfg:
        # e.g. runner_type='FlexibleRunner' with an FSDP/DeepSpeed strategy
        strategy = str((cfg.get('strategy') or {}).get('type', ''))
        if strategy.endswith('FSDPStrategy') and cfg.launcher == 'none':
            from onediff_kit.config_check import ConfigError
            raise ConfigError(
                f'strategy.type={strategy} shards the model over processes: '
                'start it with tools/dist_train.sh CONFIG GPUS (1 is '
                'allowed), or train without '
                'configs/_base_/strategies/fsdp.py')
        from mmengine.registry import RUNNERS
        with runner_console(args.verbose):
            runner = RUNNERS.build(cfg)
    else:
        from mmengine.runner import Runner
        with runner_console(args.verbose):
            runner = Runner.from_cfg(cfg)
    runner.train()
    close_process_group()
    return runner


def main(argv=None):
    """Train as ``onediff train ARGV`` would; returns the runner. Errors
    propagate."""
    return train(parse_command('train', argv))


if __name__ == '__main__':
    sys.exit(run_command('train'))

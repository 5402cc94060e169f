"""Train a model from a config: a thin wrapper over the mmengine Runner."""
import os

# OpenMP threads that wait for work sleep instead of spinning: on 2 cores
# shared with dataloader workers (or anything else) spinning threads took
# the CPU from the threads with work (BENCHMARKS.md, bench_train_speed.py).
# libgomp reads this when torch loads, so it is set before any import.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an onediff_kit model')
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
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.delta.num_tokens=16 '
        'train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show everything mmengine logs (environment, config, hook '
        'table, iteration lines) and library warnings on the console; '
        'without it they go only to the log file in the work dir')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='print the full traceback of config and input errors')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


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
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.cfg_options is not None:
        from onediff_kit.config_check import check_cfg_options
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
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


# Errors that explain themselves: the command line prints them without a
# traceback. Anything else is a bug and keeps its traceback.
def main(argv=None):
    """Train; returns the runner. Errors propagate (see :func:`cli`)."""
    args = parse_args(argv)
    from onediff_kit.cli.console import quiet_libraries
    quiet_libraries(args.verbose)
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist')
    cfg = merge_args(Config.fromfile(args.config), args)
    from onediff_kit.config_check import check_component_types
    check_component_types(cfg)  # unknown types, named by key, before a run
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
        with runner_console(args.verbose):
            runner = Runner.from_cfg(cfg)
    runner.train()
    close_process_group()
    return runner


def cli(argv=None):
    """Run :func:`main`; print clear errors as one line, exit status 1."""
    from onediff_kit.cli.clear_errors import run_with_clear_errors
    return run_with_clear_errors(main, argv)


if __name__ == '__main__':
    sys.exit(cli())

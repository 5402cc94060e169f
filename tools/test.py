"""Test a checkpoint from a config: a thin wrapper over the mmengine Runner.

Writes into the work dir: the predictions in COCO results format, the scores
as JSON and a markdown table (via the test evaluator's ``output_dir``).
``--scale 100`` also prints the scores x100, as IDC papers report them; the
files keep the raw values.
"""
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
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) an onediff_kit checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where to write predictions, scores and logs')
    parser.add_argument(
        '--out', help='also write the predictions (COCO results JSON) here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=8')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='show everything mmengine logs on the console (without it: a '
        'progress bar, warnings and the scores; the log file has it all)')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='print the full traceback of config and input errors')
    from onediff_kit.cli.eval import add_scale_argument
    add_scale_argument(parser)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        from onediff_kit.config_check import check_cfg_options
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    from onediff_kit.cli.console import add_progress_hook
    add_progress_hook(cfg, args.verbose)
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    for evaluator in evaluators:
        evaluator.setdefault('output_dir', cfg.work_dir)
        if args.out:
            evaluator['predictions_file'] = args.out
    return cfg


def main(argv=None):
    """Test; returns the metrics. Errors propagate (see :func:`cli`)."""
    args = parse_args(argv)
    from onediff_kit.cli.console import quiet_libraries, runner_console
    quiet_libraries(args.verbose)
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file {path} does not exist')
    cfg = merge_args(Config.fromfile(args.config), args)
    from onediff_kit.config_check import check_component_types
    check_component_types(cfg)  # unknown types, named by key, before a run
    from onediff_kit.engine.distributed import (close_process_group,
                                                setup_cpu_distributed)
    setup_cpu_distributed(cfg)
    with runner_console(args.verbose):
        runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    print_scaled(metrics, args.scale)
    close_process_group()
    return metrics


def print_scaled(metrics, scale):
    """With ``--scale 100``, print the test scores x100 as IDC papers do
    (rank 0, so before the process group closes; the score files in the
    work dir keep the raw values)."""
    from mmengine.dist import is_main_process

    from onediff_kit.evaluation.report import format_metric_tables
    if scale != 1 and is_main_process():
        print(format_metric_tables(metrics, scale), flush=True)


def cli(argv=None):
    """Run :func:`main`; print clear errors as one line, exit status 1."""
    from onediff_kit.cli.clear_errors import run_with_clear_errors
    return run_with_clear_errors(main, argv)


if __name__ == '__main__':
    sys.exit(cli())

"""``onediff test``: test (and evaluate) a checkpoint with the mmengine
Runner.

Writes into the work dir: the predictions in COCO results format, the scores
as JSON and a markdown table (via the test evaluator's ``output_dir``).
``--scale 100`` also prints the scores x100, as IDC papers report them; the
files keep the raw values. tools/test.py and tools/dist_test.sh run this
command.
"""
import os.path as osp
import sys

from onediff_kit.cli.clear_errors import with_clear_errors
from onediff_kit.cli.command import parse_command, run_command
from onediff_kit.cli.eval import add_scale_argument
from onediff_kit.cli.runner_args import (add_runner_arguments,
                                         merge_runner_args, start)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'test', help='test (and evaluate) a checkpoint',
        description='Test (and evaluate) an onediff_kit checkpoint.')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where to write predictions, scores and logs')
    parser.add_argument(
        '--out', help='also write the predictions (COCO results JSON) here')
    add_scale_argument(parser)
    add_runner_arguments(
        parser,
        cfg_options_example='test_dataloader.batch_size=8',
        verbose_help='show everything mmengine logs on the console (without '
        'it: a progress bar, warnings and the scores; the log file has it '
        'all)')
    parser.set_defaults(func=with_clear_errors(test))


def merge_args(cfg, args):
    """Merge command-line arguments into the config (CLI wins)."""
    merge_runner_args(cfg, args)
    cfg.load_from = args.checkpoint
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


def test(args):
    """Test as the parsed ``args`` say; returns the metrics. Errors
    propagate (``onediff test`` prints the clear ones as one line)."""
    start(args)
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file {path} does not exist')
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = merge_args(Config.fromfile(args.config), args)
    from onediff_kit.engine.distributed import (close_process_group,
                                                setup_cpu_distributed)
    setup_cpu_distributed(cfg)
    from onediff_kit.cli.console import runner_console
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


def main(argv=None):
    """Test as ``onediff test ARGV`` would; returns the metrics. Errors
    propagate."""
    return test(parse_command('test', argv))


if __name__ == '__main__':
    sys.exit(run_command('test'))

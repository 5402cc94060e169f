"""What ``onediff train`` and ``onediff test`` share, as mmpretrain's
tools/train.py and tools/test.py do: the Runner's command-line arguments,
their merge into the config and the start-up."""
import os
import os.path as osp

from mmengine.config import DictAction


def add_runner_arguments(parser, cfg_options_example, verbose_help):
    """``--cfg-options``, ``--launcher``, ``--verbose``, ``--debug`` and
    ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=f'override config settings, e.g. {cfg_options_example}')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--verbose', action='store_true', help=verbose_help)
    parser.add_argument(
        '--debug',
        action='store_true',
        help='print the full traceback of config and input errors')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def merge_runner_args(cfg, args):
    """The launcher, the work dir (default: work_dirs/CONFIG_NAME) and the
    checked ``--cfg-options`` into ``cfg`` (the command line wins); then
    every component type is checked, so an unknown one is named by its key
    before a run starts."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.cfg_options is not None:
        from onediff_kit.config_check import check_cfg_options
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    from onediff_kit.config_check import check_component_types
    check_component_types(cfg)
    return cfg


def start(args):
    """Set LOCAL_RANK where no launcher did, hide library warnings unless
    ``--verbose`` and load the plugins (:func:`onediff_kit.init`)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    from onediff_kit.quiet import quiet_third_party
    quiet_third_party(args.verbose)
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading

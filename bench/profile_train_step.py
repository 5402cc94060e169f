"""Where a training step's CPU time goes: torch's profiler over iterations
of one ``bench_train_speed.py`` setting, through the mmengine Runner.

Runs the setting's worker (stage 2, batch 32, real dataloader workers) for
``--iters`` iterations and profiles iterations ``--start`` to ``--iters``
(operators of the main process; the dataloader workers show as the
``enumerate(DataLoader)`` wait). A ``warm`` setting reads the cache a
previous run of the same setting filled: run ``bench_train_speed.py
--settings default-cold+bf16`` (or this script once) first with the same
``--work-dir``.

    .venv/bin/python -m bench.profile_train_step [--setting default-warm+bf16]
        [--iters 24] [--start 12] [--rows 25] [--data DIR] [--work-dir DIR]
"""
import argparse
import os
import os.path as osp

from bench import _common as C
from bench import bench_train_speed as S


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--setting', default='default-warm+bf16',
                   choices=list(S.SETTINGS))
    p.add_argument('--iters', type=int, default=24)
    p.add_argument('--start', type=int, default=12)
    p.add_argument('--rows', type=int, default=25)
    p.add_argument('--data', default='data/synthdiff')
    p.add_argument('--work-dir', default='work_dirs/bench_train_speed')
    p.add_argument('--name', default=None,
                   help='bench/results/<name>.md (default: profile_'
                   '<setting>)')
    args = p.parse_args()
    os.environ.update(S.SETTINGS[args.setting].get('env', {}))
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    from torch.profiler import ProfilerActivity, profile

    tables = {}

    class Profile(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if runner.iter == args.start:
                self.prof = profile(activities=[ProfilerActivity.CPU])
                self.prof.__enter__()

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter + 1 == args.iters:
                self.prof.__exit__(None, None, None)
                averages = self.prof.key_averages()
                tables['self'] = averages.table(
                    sort_by='self_cpu_time_total', row_limit=args.rows)

    from_cfg = Runner.from_cfg

    def with_profiler(cfg):
        runner = from_cfg(cfg)
        runner.register_hook(Profile(), 'LOWEST')
        return runner

    Runner.from_cfg = with_profiler
    spec = S.make_spec(
        args.setting, osp.abspath(args.data), args.iters, 1,
        osp.abspath(osp.join(args.work_dir, 'feature_cache')),
        osp.join(args.work_dir, 'profile'))
    os.chdir(C.ROOT)
    S.worker(spec)
    n = args.iters - args.start
    text = (f'Setting `{args.setting}`, iterations {args.start + 1}-'
            f'{args.iters} ({n} iterations, batch 32) under '
            '`torch.profiler` (which slows the step), main process, sorted '
            'by self CPU time:\n\n```\n' + tables['self'] + '```\n')
    C.write_result(args.name or 'profile_' + args.setting.replace('+', '_'),
                   text, C.command_line())


if __name__ == '__main__':
    main()

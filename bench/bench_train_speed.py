"""Training pairs/s through the mmengine Runner, for several speed settings
side by side in one run: the 900-iteration recipe with no speed setting
(``baseline``) against the default config as ``make demo`` trains it.

Each setting runs stage 2 ("difference") at batch 32 for ``--iters``
iterations in a fresh process (real dataloader workers, PNG decoding, the
data preprocessor, forward, backward, AdamW), without validation or
checkpoints. Pairs/s are timed from the end of iteration ``--warmup`` to the
end of training; user and system CPU time and minor page faults are those
of the whole process tree (``os.wait4``: the dataloader workers included).
Settings, in order (the first five on the 900-iteration recipe,
``configs/onediff/onediff_mobilenetv2-vdm_900it_synthdiff.py``):

- ``baseline``: the recipe with no speed setting: no ``MallocTuningHook``,
  no feature cache, 2 dataloader workers, torch's default threads;
- ``malloc``: + ``MallocTuningHook`` (glibc keeps freed tensor memory);
- ``malloc+passive``: + ``OMP_WAIT_POLICY=PASSIVE`` (OpenMP threads sleep
  instead of spinning while they wait);
- ``cache-cold``: ``malloc+passive`` + a ``CachedEncoder`` with one
  fixed colour jitter draw per pair, starting from an empty cache (every
  image a miss the first time it is seen);
- ``cache-warm``: the same again, reading the cache the cold run filled;
- ``cache-warm+bf16`` (with ``--bf16``): + bfloat16 autocast; its cache
  (autocast is part of the key) is filled by an untimed bf16 run first;
- ``default-cold+bf16``: the default config
  (``configs/onediff/onediff_mobilenetv2-vdm_synthdiff.py``: the recipe
  with the feature cache and no dropout) with bfloat16 autocast, as
  ``make demo`` trains it, from an empty cache (its first epoch);
- ``default-warm+bf16``: the same, reading what the cold run wrote (every
  later epoch);
- ``default-warm+bf16-all-places``: the same with every place of the
  stride-8 level in the delta module's memory
  (``model.delta.keep_places=None``: 504 memory tokens instead of 184).

``--repeat N`` runs the list N times, interleaved, and reports the median
per setting (the cache is emptied before each ``cold`` setting).

Data: ``--data`` (a directory written by ``onediff data synth``); without it
2,000 pairs are generated into the work dir. The feature cache lives in the
work dir and is deleted at the start.

    .venv/bin/python -m bench.bench_train_speed [--iters 40] [--warmup 5]
        [--threads 2] [--data DIR] [--settings baseline malloc ...] [--bf16]
        [--repeat 1]
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

from bench import _common as C

# The encoder is wrapped in a CachedEncoder by the worker (``cache``).
CACHE_ON = {'train_dataloader.dataset.pipeline.2.num_variants': 1}
PASSIVE = {'OMP_WAIT_POLICY': 'PASSIVE'}
SETTINGS = {
    'baseline': dict(malloc=False),
    'malloc': dict(),
    'malloc+passive': dict(env=PASSIVE),
    'cache-cold': dict(cfg=CACHE_ON, cache=True, env=PASSIVE, clear=True),
    'cache-warm': dict(cfg=CACHE_ON, cache=True, env=PASSIVE),
    'cache-warm+bf16': dict(cfg=CACHE_ON, cache=True, env=PASSIVE,
                            bf16=True, fill=True),
    'default-cold+bf16': dict(config=C.DEFAULT_CONFIG, env=PASSIVE,
                              bf16=True, clear=True),
    'default-warm+bf16': dict(config=C.DEFAULT_CONFIG, env=PASSIVE,
                              bf16=True),
    'default-warm+bf16-all-places': dict(
        config=C.DEFAULT_CONFIG, env=PASSIVE, bf16=True,
        cfg={'model.delta.keep_places': None}),
}


def worker(spec):
    import time as _time

    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    import onediff_kit
    from onediff_kit.cache import feature_cache_of
    onediff_kit.init()  # plugins, safe checkpoint loading
    root = spec['data']
    cfg = Config.fromfile(spec['config'])
    cfg.work_dir = spec['work_dir']
    cfg.experiment_name = spec['name'].replace('+', '_')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = root
    cfg.model.decoder.vocab_file = osp.join(root, 'vocab.json')
    encoder = cfg.model.encoder
    if spec['cache']:
        encoder = dict(type='CachedEncoder', encoder=encoder, cache=dict())
    if encoder['type'] == 'CachedEncoder':
        encoder['cache']['root'] = spec['cache_dir']
    cfg.model.encoder = encoder
    cfg.train_cfg.stages = [dict(name='difference', iters=spec['iters'],
                                 trainable=None)]
    cfg.train_cfg.val_begin = 10**9
    cfg.default_hooks.checkpoint.interval = 10**9
    cfg.default_hooks.checkpoint.save_last = False
    cfg.default_hooks.checkpoint.save_best = None
    cfg.default_hooks.logger.interval = 10
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'DiffVisualizationHook']
    if not spec['malloc']:
        cfg.default_hooks.pop('malloc_tuning')
    if spec['bf16']:
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
    cfg.merge_from_dict(spec['cfg'])
    runner = Runner.from_cfg(cfg)
    marks = {}

    class Clock(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            marks[runner.iter + 1] = _time.perf_counter()

    runner.register_hook(Clock(), 'LOWEST')
    runner.train()
    timed = spec['iters'] - spec['warmup']
    seconds = marks[spec['iters']] - marks[spec['warmup']]
    model = runner.model
    cache = feature_cache_of(model)
    out = dict(pairs_s=timed * 32 / seconds, s_iter=seconds / timed)
    if cache is not None:
        out['hit_rate'] = cache.hits / max(1, cache.hits + cache.misses)
    print('RESULT ' + json.dumps(out), flush=True)


def make_spec(name, data, iters, warmup, cache_root, work_dir):
    """The worker's spec of setting ``name``; its cache directory is
    ``cache_root`` + a suffix per cache namespace family."""
    setting = SETTINGS[name]
    cache_dir = cache_root
    if setting.get('bf16'):
        cache_dir += '_bf16'
    if 'config' in setting:
        cache_dir += '_default'
    return dict(name=name, config=setting.get('config', C.RECIPE_900IT),
                data=data, iters=iters, warmup=warmup,
                cfg=setting.get('cfg', {}),
                cache=setting.get('cache', False),
                malloc=setting.get('malloc', True),
                bf16=setting.get('bf16', False), cache_dir=cache_dir,
                work_dir=work_dir)


def run_setting(name, args, cache_dir):
    setting = SETTINGS[name]
    spec = make_spec(name, args.data, args.iters, args.warmup, cache_dir,
                     osp.join(args.work_dir, name.replace('+', '_')))
    if setting.get('clear'):
        shutil.rmtree(spec['cache_dir'], ignore_errors=True)
    env = dict(os.environ, **setting.get('env', {}))
    if args.threads:
        env['OMP_NUM_THREADS'] = str(args.threads)
    cmd = [sys.executable, '-m', __spec__.name, '--worker',
           json.dumps(spec)]
    log = osp.join(args.work_dir, name.replace('+', '_') + '.log')
    with open(log, 'w') as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                cwd=C.ROOT, env=env)
        start = time.perf_counter()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    result = dict(name=name, wall_s=wall, user_s=usage.ru_utime,
                  sys_s=usage.ru_stime, minflt=usage.ru_minflt,
                  maxrss_mib=usage.ru_maxrss / 1024, load=C.loadavg())
    with open(log) as f:
        for line in f:
            if line.startswith('RESULT '):
                result.update(json.loads(line[7:]))
    if 'pairs_s' not in result:
        result['error'] = f'exit status {status}; see {log}'
    return result


def median_run(name, runs):
    """The run with the median pairs/s, with every run's pairs/s."""
    ok = sorted((r for r in runs if 'pairs_s' in r),
                key=lambda r: r['pairs_s'])
    if not ok:
        return runs[0]
    return dict(ok[(len(ok) - 1) // 2], name=name,
                all_pairs_s=[r['pairs_s'] for r in runs if 'pairs_s' in r])


def ensure_data(args):
    if args.data:
        return args.data
    root = osp.join(args.work_dir, 'synthdiff')
    if not osp.isfile(osp.join(root, 'vocab.json')):
        from onediff_kit.cli.main import main as onediff
        code = onediff(['data', 'synth', '--out', root, '--num', '2000',
                        '--seed', '0', '--size', '128'])
        if code:
            sys.exit(f'data generation failed (exit {code})')
    return root


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--iters', type=int, default=40)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--threads', type=int, default=None,
                   help='OMP_NUM_THREADS of each run (default: torch\'s, '
                   'one per core)')
    p.add_argument('--data', help='synthetic data directory')
    p.add_argument('--work-dir', default='work_dirs/bench_train_speed')
    p.add_argument('--settings', nargs='+', choices=list(SETTINGS),
                   default=list(SETTINGS))
    p.add_argument('--repeat', type=int, default=1,
                   help='rounds over the settings; medians are reported')
    p.add_argument('--bf16', action='store_true',
                   help='add the cache-warm+bf16 setting to --settings')
    p.add_argument('--name', default='train_speed',
                   help='bench/results/<name>.md')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    os.makedirs(args.work_dir, exist_ok=True)
    args.data = osp.abspath(ensure_data(args))
    settings = list(args.settings)
    if args.bf16 and 'cache-warm+bf16' not in settings:
        settings.append('cache-warm+bf16')
    cache_dir = osp.abspath(osp.join(args.work_dir, 'feature_cache'))
    shutil.rmtree(cache_dir, ignore_errors=True)
    for suffix in ('_bf16', '_bf16_default'):
        shutil.rmtree(cache_dir + suffix, ignore_errors=True)
    runs = {}
    for round_ in range(args.repeat):
        for name in settings:
            if SETTINGS[name].get('fill') and round_ == 0:
                print(f'{name}: filling its cache (untimed)', flush=True)
                run_setting(name, args, cache_dir)
            r = run_setting(name, args, cache_dir)
            runs.setdefault(name, []).append(r)
            print(f'[round {round_ + 1}] {name}: ' + (
                r.get('error') or f'{r["pairs_s"]:.2f} pairs/s, user '
                f'{r["user_s"]:.0f} s, sys {r["sys_s"]:.0f} s, '
                f'{r["minflt"]:,} minor faults') +
                f' (load {C.load_str()})', flush=True)
    results = [median_run(name, runs[name]) for name in settings]
    base = next((r for r in results if r['name'] == 'baseline' and
                 'pairs_s' in r), None)
    rows = []
    for r in results:
        if 'error' in r:
            rows.append([r['name'], r['error']] + [''] * 9)
            continue
        ratio = f'{r["pairs_s"] / base["pairs_s"]:.2f}x' if base else ''
        rows.append([r['name'], f'{r["pairs_s"]:.2f}',
                     ' / '.join(f'{x:.1f}' for x in r['all_pairs_s']), ratio,
                     f'{r["s_iter"]:.2f}', f'{r["user_s"]:.0f}',
                     f'{r["sys_s"]:.0f}', f'{r["minflt"]:,}',
                     f'{r["maxrss_mib"]:.0f}',
                     f'{r["hit_rate"]:.1%}' if 'hit_rate' in r else '-',
                     '/'.join(f'{x:.2f}' for x in r['load'])])
    text = (f'Stage 2 of the default config, batch 32, {args.iters} '
            f'iterations per setting and round, {args.repeat} round(s); '
            f'the row of the median round is shown. '
            f'Timed after iteration {args.warmup}, '
            f'OMP_NUM_THREADS={args.threads or "unset (torch: one per core)"}'
            f', 2 dataloader workers:\n\n' + C.md_table(
                ['setting', 'pairs/s (median)', 'pairs/s of each round',
                 'vs baseline', 's/iter', 'user s',
                 'sys s', 'minor faults', 'max RSS MiB (largest process)',
                 'cache hit rate', 'load 1/5/15 at end'], rows))
    C.write_result(args.name, text, C.command_line())
    with open(osp.join(C.RESULTS, args.name + '.json'), 'w') as f:
        json.dump(dict(medians=results, runs=runs), f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

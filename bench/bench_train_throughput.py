"""Training throughput (image pairs/s) and peak RSS of one OneDiff training
step on the CPU, as the mmengine Runner runs it.

Each point runs in a fresh subprocess (so ru_maxrss is the peak of that
configuration alone): build the default config's model (with the delta module
swapped, the image size or the number of delta tokens changed), random uint8
pairs at the given size, then ``model.train_step(data, optim_wrapper)`` with
AdamW in an ``OptimWrapper`` (float32) or a ``CPUAutocastOptimWrapper``
(bfloat16 autocast), gradient clipping as in the config; ``--warmup`` steps,
then ``--steps`` timed steps: the median step time is reported.

Grid: every delta module (VisualDeltaModule = the default config,
SubtractDelta, ConcatDelta, CrossTransformerDelta, NoDelta) x batch 8/32/64 x
float32/bf16 at 128 px; then, with the default config at batch 8 in float32,
image sizes 64/128/224 and delta tokens 4/8/16/32/64. ``--quick`` cuts it to a
handful of points (smoke run).

    .venv/bin/python -m bench.bench_train_throughput [--quick] [--steps 3]
        [--warmup 1] [--batches 8 32 64] [--deltas ...] [--dtypes ...]
"""
import argparse
import json
import os
import subprocess
import sys
import time

from bench import _common as C


def worker(spec):
    import torch
    C.set_threads(spec.get('threads'))
    from mmengine.optim import OptimWrapper
    from onediff_kit.engine.optim_wrappers.cpu_autocast_optim_wrapper import \
        CPUAutocastOptimWrapper
    overrides = {}
    if spec.get('tokens') is not None:
        overrides['model.delta.num_tokens'] = spec['tokens']
    if spec['size'] != 128:
        # The encoder probes its output shapes at probe_size.
        overrides['model.encoder.probe_size'] = spec['size']
    delta = C.variant_delta(spec['delta'])
    torch.manual_seed(0)
    model, cfg = C.build_model(overrides, delta)
    model.train()
    opt_cfg = cfg.optim_wrapper.optimizer.to_dict()
    opt_cfg.pop('type')
    optimizer = torch.optim.AdamW(model.parameters(), **opt_cfg)
    clip = cfg.optim_wrapper.get('clip_grad')
    clip = clip.to_dict() if clip is not None else None
    if spec['dtype'] == 'bf16':
        wrapper = CPUAutocastOptimWrapper(dtype='bfloat16',
                                          optimizer=optimizer, clip_grad=clip)
    else:
        wrapper = OptimWrapper(optimizer=optimizer, clip_grad=clip)
    data = C.make_batch(spec['batch'], spec['size'])
    rss_built = C.maxrss_mib()
    times = []
    for i in range(spec['warmup'] + spec['steps']):
        t0 = time.perf_counter()
        model.train_step(data, wrapper)
        if i >= spec['warmup']:
            times.append(time.perf_counter() - t0)
    out = dict(spec, times=times, step_s=C.median(times),
               rss_mib=C.maxrss_mib(), rss_built_mib=rss_built,
               load=C.loadavg(),
               params=sum(p.numel() for p in model.parameters()),
               trainable=sum(p.numel() for p in model.parameters()
                             if p.requires_grad))
    print('RESULT ' + json.dumps(out), flush=True)


def run_point(spec):
    cmd = [sys.executable, '-m', __spec__.name, '--worker',
           json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=C.ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[7:])
    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
    return dict(spec, error=f'exit {proc.returncode}')


def grid(args):
    points = []
    base = dict(size=128, tokens=None, steps=args.steps, warmup=args.warmup,
                threads=args.threads)
    if args.quick:
        for delta, dtype in (('VisualDeltaModule', 'fp32'),
                             ('VisualDeltaModule', 'bf16'),
                             ('NoDelta', 'fp32')):
            points.append(dict(base, part='grid', delta=delta, batch=8,
                               dtype=dtype))
        points.append(dict(base, part='size', delta='VisualDeltaModule',
                           batch=8, dtype='fp32', size=64))
        points.append(dict(base, part='tokens', delta='VisualDeltaModule',
                           batch=8, dtype='fp32', tokens=32))
        return points
    for delta in args.deltas:
        for dtype in args.dtypes:
            for batch in args.batches:
                points.append(dict(base, part='grid', delta=delta,
                                   batch=batch, dtype=dtype))
    for size in args.sizes:
        points.append(dict(base, part='size', delta='VisualDeltaModule',
                           batch=args.sweep_batch, dtype='fp32', size=size))
    for tokens in args.tokens:
        points.append(dict(base, part='tokens', delta='VisualDeltaModule',
                           batch=args.sweep_batch, dtype='fp32',
                           tokens=tokens))
    return points


def fmt_load(r):
    return '/'.join(f'{x:.2f}' for x in r['load'])


def tables(results):
    out = []
    rows = []
    for r in results:
        if r['part'] != 'grid':
            continue
        if 'error' in r:
            rows.append([r['delta'], r['batch'], r['dtype'], r['error'], '',
                         '', '', ''])
            continue
        rows.append([
            r['delta'], r['batch'], r['dtype'],
            f'{r["batch"] / r["step_s"]:.2f}',
            f'{r["step_s"] * 1e3 / r["batch"]:.1f}',
            ' / '.join(f'{t:.2f}' for t in r['times']),
            f'{r["rss_mib"]:.0f}', fmt_load(r)])
    if rows:
        out.append('Training step at 128 px (data_preprocessor + '
                   'train_step: forward, backward, clip, AdamW):\n')
        out.append(C.md_table(
            ['delta module', 'batch', 'dtype', 'pairs/s (median)',
             'ms/pair', 'step times s', 'peak RSS MiB', 'load 1/5/15'],
            rows))
    for part, key, label in (('size', 'size', 'image size px'),
                             ('tokens', 'tokens', 'delta tokens')):
        rows = []
        for r in results:
            if r['part'] != part:
                continue
            if 'error' in r:
                rows.append([r[key], r['error'], '', '', '', ''])
                continue
            rows.append([r[key], f'{r["batch"] / r["step_s"]:.2f}',
                         f'{r["step_s"] * 1e3 / r["batch"]:.1f}',
                         ' / '.join(f'{t:.2f}' for t in r['times']),
                         f'{r["rss_mib"]:.0f}', fmt_load(r)])
        if rows:
            b = next(r['batch'] for r in results if r['part'] == part)
            out.append(f'\nDefault config (VisualDeltaModule), float32, '
                       f'batch {b}, by {label}:\n')
            out.append(C.md_table([label, 'pairs/s (median)', 'ms/pair',
                                   'step times s', 'peak RSS MiB',
                                   'load 1/5/15'], rows))
    return '\n'.join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true')
    p.add_argument('--steps', type=int, default=3, help='timed steps')
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--batches', type=int, nargs='+', default=[8, 32, 64])
    p.add_argument('--dtypes', nargs='+', default=['fp32', 'bf16'],
                   choices=['fp32', 'bf16'])
    p.add_argument('--deltas', nargs='+', default=list(C.DELTA_VARIANTS),
                   choices=list(C.DELTA_VARIANTS))
    p.add_argument('--sizes', type=int, nargs='+', default=[64, 128, 224])
    p.add_argument('--tokens', type=int, nargs='+',
                   default=[4, 8, 16, 32, 64])
    p.add_argument('--sweep-batch', type=int, default=8)
    p.add_argument('--name', default='train_throughput',
                   help='bench/results/<name>.md')
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s, one per core)')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(json.loads(args.worker))
    C.set_threads(args.threads)  # so the machine line reports it
    points = grid(args)
    results = []
    start = time.perf_counter()
    for i, spec in enumerate(points, 1):
        r = run_point(spec)
        results.append(r)
        msg = r.get('error') or (f'{r["batch"] / r["step_s"]:.2f} pairs/s, '
                                 f'{r["rss_mib"]:.0f} MiB')
        print(f'[{i}/{len(points)} {time.perf_counter() - start:.0f}s] '
              f'{spec["part"]} {spec["delta"]} b{spec["batch"]} '
              f'{spec["dtype"]} {spec["size"]}px tokens={spec["tokens"]}: '
              f'{msg} (load {C.load_str()})', flush=True)
    text = tables(results)
    text += (f'\n\ntorch threads: {args.threads or "default (one per core)"}. '
             f'Median of {args.steps} timed steps after {args.warmup} '
             f'warm-up step(s), each point in a fresh process; peak RSS = '
             f'ru_maxrss of that process (model build included). Total '
             f'{time.perf_counter() - start:.0f} s.')
    C.write_result(args.name, text, C.command_line())
    with open(os.path.join(C.RESULTS, args.name + '.json'), 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    sys.exit(main())

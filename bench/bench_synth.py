"""Time the synthetic generator: 10,000 pairs at 128 px (target < 120 s).

The median of ``--runs`` full generations (each into a fresh folder).

``--generator ClevrChangeSynthGenerator --size 192`` times the
CLEVR-Change-protocol generator (192x128 frames) instead.

Usage:
    python -m bench.bench_synth [--num 10000] [--size 128] [--workers N]
        [--runs 3] [--out DIR] [--keep] [--generator NAME]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--num', type=int, default=10000)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=os.cpu_count())
    p.add_argument('--budget', type=float, default=120.0,
                   help='seconds allowed; exit 1 when slower')
    p.add_argument('--runs', type=int, default=3,
                   help='timed generations; the median is reported')
    p.add_argument('--out', help='output folder of the last run (default: '
                   'a temp folder)')
    p.add_argument('--keep', action='store_true', help='keep the output')
    p.add_argument('--generator', default='SynthDiffGenerator',
                   help='registered generator name')
    args = p.parse_args(argv)

    import onediff_kit
    onediff_kit.init()  # plugins
    from onediff_kit.registry import GENERATORS
    gen = GENERATORS.build(
        dict(type=args.generator, size=args.size, workers=args.workers))
    times = []
    for run in range(args.runs):
        last = run == args.runs - 1
        out = (args.out if last and args.out else
               tempfile.mkdtemp(prefix='bench_synth_'))
        start = time.perf_counter()
        summary = gen.generate(out, args.num, seed=args.seed)
        times.append(time.perf_counter() - start)
        n_bytes = sum(e.stat().st_size
                      for e in os.scandir(os.path.join(out, 'images')))
        if not (last and (args.keep or args.out)):
            shutil.rmtree(out)
    seconds = statistics.median(times)
    print(f'{args.generator}: {args.num} pairs ({2 * args.num} images) at '
          f'{args.size} px with '
          f'{args.workers} workers on {os.cpu_count()} CPUs: median '
          f'{seconds:.1f} s of {args.runs} runs '
          f'({" / ".join(f"{t:.1f}" for t in times)} s; '
          f'{args.num / seconds:.0f} pairs/s), {n_bytes / 2**20:.1f} MiB')
    print(f'splits: {summary["split"]}  change types: '
          f'{summary["change_type"]}')
    ok = seconds < args.budget
    print(f'{"PASS" if ok else "FAIL"}: budget {args.budget:.0f} s')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())

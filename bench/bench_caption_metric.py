"""Time CaptionMetric on N predictions (default 5,000): median of R runs.

Each run is one full evaluation as the trainer does it: build the metric,
``process`` the samples, ``evaluate`` (PTB tokenisation, BLEU-1..4, METEOR
with its Java start, ROUGE-L, CIDEr-D and the per-change-type breakdown).

The captions are CLEVR-Change-like sentences from a seeded generator (two
references and one prediction per pair, six change types), or, with
``--spot-the-diff DIR``, the real Spot-the-Diff sentences (train.json)
cycled to N pairs.

    .venv/bin/python -m bench.bench_caption_metric [--n 5000] [--runs 3]
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import time

TYPES = ['color', 'material', 'add', 'drop', 'move', 'none']
COLORS = ['red', 'blue', 'green', 'gray', 'brown', 'purple', 'cyan', 'yellow']
SIZES = ['small', 'large']
MATERIALS = ['rubber', 'metal']
SHAPES = ['cube', 'sphere', 'cylinder']


def _caption(rng, change):
    obj = (f'{rng.choice(SIZES)} {rng.choice(COLORS)} '
           f'{rng.choice(MATERIALS)} {rng.choice(SHAPES)}')
    return {
        'color': f'the {obj} changed its color to {rng.choice(COLORS)}',
        'material': f'the {obj} became {rng.choice(MATERIALS)}',
        'add': f'a {obj} has been added',
        'drop': f'the {obj} has disappeared',
        'move': f'the {obj} moved to a new location',
        'none': rng.choice(['no change was made', 'the scene is the same',
                            'nothing has changed']),
    }[change]


def synthetic_samples(n, seed=0):
    rng = random.Random(seed)
    samples = []
    for i in range(n):
        change = TYPES[i % len(TYPES)]
        samples.append(
            dict(
                pair_id=str(i),
                pred_caption=_caption(rng, change),
                captions=[_caption(rng, change),
                          _caption(rng, change)],
                change_type=change))
    return samples


def spot_the_diff_samples(n, root):
    with open(os.path.join(root, 'train.json'), encoding='utf-8') as f:
        entries = json.load(f)
    samples = []
    for i in range(n):
        e = entries[i % len(entries)]
        sents = e['sentences'] or ['']
        samples.append(
            dict(
                pair_id=str(i),
                pred_caption=sents[-1],
                captions=sents[:2],
                change_type=None))
    return samples


def run_once(samples):
    import onediff_kit
    onediff_kit.init()  # plugins
    from onediff_kit.registry import METRICS
    start = time.perf_counter()
    metric = METRICS.build(dict(type='CaptionMetric'))
    metric.process(None, samples)
    metrics = metric.evaluate(len(samples))
    return time.perf_counter() - start, metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--n', type=int, default=5000)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument(
        '--spot-the-diff',
        metavar='DIR',
        help='use Spot-the-Diff train.json sentences from DIR')
    args = parser.parse_args(argv)
    if args.spot_the_diff:
        samples = spot_the_diff_samples(args.n, args.spot_the_diff)
        source = f'Spot-the-Diff train sentences ({args.spot_the_diff})'
    else:
        samples = synthetic_samples(args.n)
        source = 'synthetic CLEVR-Change-like captions (seed 0)'
    from mmengine.logging import MMLogger
    MMLogger.get_instance('bench', log_level='WARNING')
    times = []
    for r in range(args.runs):
        seconds, metrics = run_once(samples)
        times.append(seconds)
        print(f'run {r + 1}: {seconds:.2f} s', flush=True)
    print(f'\nCaptionMetric on {args.n} predictions, {source}')
    print(f'machine: {platform.processor() or platform.machine()}, '
          f'{os.cpu_count()} CPUs, python {platform.python_version()}')
    print(f'median of {args.runs}: {statistics.median(times):.2f} s '
          f'(min {min(times):.2f}, max {max(times):.2f})')
    print('scores: ' + ', '.join(f'{k.split("/", 1)[1]} {v:.4f}'
                                 for k, v in metrics.items()
                                 if k.count('/') == 1))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""How much CLEVR-Change pairs change, rendered against released.

Renders ``--num`` triplets with ``onediff data render clevr-change`` (kept
in ``--out``; finished ones are reused) and prints, for before vs semantic
and before vs distractor, the p10 / median / p90 share of pixels that
differ by more than 20 levels, next to the release's figures. The camera
and light jitter of :class:`onediff_data.clevr_render.SceneRules` are set
from this comparison; ``--rules`` tries other values.

Usage:
    python bench/bench_clevr_change_stats.py --assets DIR --out DIR
        [--num 20] [--size 240x160] [--samples 64] [--workers 1]
        [--rules '{"view_camera_jitter": 0.4}']
"""
import argparse
import json
import sys


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--assets', required=True,
                   help="CLEVR's image_generation/data folder")
    p.add_argument('--out', required=True,
                   help='render folder (reused; one per --rules setting)')
    p.add_argument('--num', type=int, default=20)
    p.add_argument('--size', default='240x160')
    p.add_argument('--samples', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--rules', type=json.loads, default=None,
                   help='JSON of SceneRules arguments')
    args = p.parse_args(argv)

    import onediff_kit
    onediff_kit.init()  # plugins
    from onediff_data.clevr_render import change_stats
    from onediff_kit.registry import GENERATORS
    width, height = (int(v) for v in args.size.split('x'))
    gen = GENERATORS.build(dict(
        type='clevr-change', assets=args.assets, size=(width, height),
        samples=args.samples, workers=args.workers, rules=args.rules))
    summary = gen.generate(args.out, args.num, seed=args.seed)
    indices = [i for i in range(args.num) if i not in summary['failed']]
    fractions = change_stats.release_fractions(args.out, indices)
    print(f'{len(indices)} triplets, {args.size}, {args.samples} samples, '
          f'rules {args.rules or "default"}: share of pixels changed by '
          f'> {change_stats.THRESHOLD} levels (p10 / median / p90)')
    for pair, values in fractions.items():
        ours = change_stats.summarize(values)
        ref = change_stats.RELEASE[pair]
        print(f'  before vs {pair:<12} rendered ' +
              ' / '.join(f'{v:.3f}' for v in ours) + '   release ' +
              ' / '.join(f'{v:.3f}' for v in ref))
    return 0


if __name__ == '__main__':
    sys.exit(main())

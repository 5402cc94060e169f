"""How much CLEVR-Change pairs change: Blender renders, the fast renderer
and the synthetic generator against the release.

Renders ``--num`` triplets with ``onediff data render clevr-change`` (kept
in ``--out``; finished ones are reused) and prints, for before vs semantic
and before vs distractor, the p10 / median / p90 share of pixels that
differ by more than 20 levels, next to the release's figures. The camera
and light jitter of :class:`onediff_data.clevr_render.SceneRules` are set
from this comparison; ``--rules`` tries other values. The same triplets
drawn by the fast renderer (``onediff_data.synth.clevr_view``) and
``--num`` pairs of each kind of the synthetic generator
(``SynthDiffGenerator``, 128 px) are measured the same way, and each fast
image is compared with its Blender render (mean absolute difference in
levels).

Usage:
    python -m bench.bench_clevr_change_stats --assets DIR --out DIR
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
    rows = dict(blender=fractions,
                fast=fast_fractions(args.out, indices, (width, height)),
                synth=synth_fractions(args.num, args.seed))
    for pair in ('semantic', 'nonsemantic'):
        print(f'  before vs {pair}: release ' + ' / '.join(
            f'{v:.3f}' for v in change_stats.RELEASE[pair]))
        for name, values in rows.items():
            print(f'    {name:<8} ' + ' / '.join(
                f'{v:.3f}' for v in change_stats.summarize(values[pair])))
    fast, square = fast_vs_blender(args.out, indices, (width, height))
    print(f'  mean absolute difference to Blender (0-255 levels): fast '
          f'renderer, same scene and view {fast:.1f}; the square renderer of '
          f'SynthDiffGenerator, same objects, stretched to {args.size} '
          f'{square:.1f}')
    return 0


def _triplet(root, index):
    from onediff_data.clevr_render import release
    return json.loads(release.triplet_path(root, index).read_text())


def fast_fractions(root, indices, size):
    """Changed shares of the same triplets drawn by the fast renderer."""
    from onediff_data.clevr_render.change_stats import changed_fraction
    from onediff_data.synth.clevr_view import render_triplet
    out = dict(semantic=[], nonsemantic=[])
    for i in indices:
        images = render_triplet(_triplet(root, i), size)
        for pair in out:
            out[pair].append(changed_fraction(images['before'],
                                              images[pair]))
    return out


def synth_fractions(num, seed):
    """Changed shares of the synthetic generator's pairs: semantic ones
    (color .. move) and distractors (none)."""
    from onediff_data.clevr_render.change_stats import changed_fraction
    from onediff_kit.registry import GENERATORS
    gen = GENERATORS.build(dict(type='SynthDiffGenerator', real_fraction=0,
                                workers=1))
    out = dict(semantic=[], nonsemantic=[])
    idx = 0
    while min(len(v) for v in out.values()) < num:
        record, _, before, after = gen.make_pair(idx, seed)
        idx += 1
        pair = 'nonsemantic' if record['change_type'] == 'none' else \
            'semantic'
        if len(out[pair]) < num:
            out[pair].append(changed_fraction(before, after))
    return out


def fast_vs_blender(root, indices, size):
    """Mean absolute differences to the Blender images: of the fast
    renderer (same scene and view) and of the square renderer (same
    objects, its own camera, resized to ``size``)."""
    import numpy as np
    from PIL import Image

    from onediff_data.clevr_render import release
    from onediff_data.synth.clevr_view import render_triplet
    from onediff_data.synth.render import render_scene
    fast, square = [], []
    for i in indices:
        triplet = _triplet(root, i)
        images = render_triplet(triplet, size)
        for name, paths in release.paths(root, i).items():
            blender = np.asarray(Image.open(paths['image']).convert(
                'RGB')).astype(float)
            fast.append(np.abs(blender - images[name]).mean())
            old = Image.fromarray(render_scene(triplet['objects'][name],
                                               size[1])).resize(size)
            square.append(np.abs(blender - np.asarray(old)).mean())
    return float(np.mean(fast)), float(np.mean(square))


if __name__ == '__main__':
    sys.exit(main())

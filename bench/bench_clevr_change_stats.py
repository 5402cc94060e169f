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
levels). ``--calibrate`` prints the fast renderer's base colours
(``clevr_view.BASE_COLORS``) fitted to the Blender renders: per material
and colour, the vocabulary's colour scaled per channel until the objects'
centre pixels have Blender's mean colour (two rounds). ``--fast-only``
measures only the fast renderer, on triplets drawn straight from the
scene rules (no Blender, no assets): how the default data's
``synth_data.rules`` were set.

Usage:
    python -m bench.bench_clevr_change_stats --assets DIR --out DIR
        [--num 20] [--size 240x160] [--samples 64] [--workers 1]
        [--rules '{"view_camera_jitter": 0.4}'] [--calibrate]
    python -m bench.bench_clevr_change_stats --fast-only [--num 150]
        [--size 240x160] [--rules ...]
"""
import argparse
import json
import sys

import numpy as np


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--assets', help="CLEVR's image_generation/data folder")
    p.add_argument('--out',
                   help='render folder (reused; one per --rules setting)')
    p.add_argument('--num', type=int, default=20)
    p.add_argument('--size', default='240x160')
    p.add_argument('--samples', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--rules', type=json.loads, default=None,
                   help='JSON of SceneRules arguments')
    p.add_argument('--calibrate', action='store_true',
                   help='print base colours for the fast renderer fitted '
                   'to the Blender renders')
    p.add_argument('--fast-only', action='store_true',
                   help='only the fast renderer, on triplets drawn from the '
                   'scene rules (no Blender)')
    args = p.parse_args(argv)
    if not args.fast_only and not (args.assets and args.out):
        p.error('--assets and --out are needed (or --fast-only)')

    import onediff_kit
    onediff_kit.init()  # plugins
    from onediff_data.clevr_render import change_stats
    from onediff_kit.registry import GENERATORS
    width, height = (int(v) for v in args.size.split('x'))
    if args.fast_only:
        rows = dict(fast=fast_rule_fractions(args.num, args.seed,
                                             (width, height), args.rules))
        print(f'{args.num} triplets drawn by the fast renderer, {args.size}'
              f', rules {args.rules or "default"}: share of pixels changed '
              f'by > {change_stats.THRESHOLD} levels (p10 / median / p90)')
        print_fractions(rows)
        return 0
    gen = GENERATORS.build(dict(
        type='clevr-change', assets=args.assets, size=(width, height),
        samples=args.samples, workers=args.workers, rules=args.rules))
    summary = gen.generate(args.out, args.num, seed=args.seed)
    indices = [i for i in range(args.num) if i not in summary['failed']]
    if args.calibrate:
        print(json.dumps(calibrate_colors(args.out, indices,
                                          (width, height)), indent=1))
        return 0
    fractions = change_stats.release_fractions(args.out, indices)
    print(f'{len(indices)} triplets, {args.size}, {args.samples} samples, '
          f'rules {args.rules or "default"}: share of pixels changed by '
          f'> {change_stats.THRESHOLD} levels (p10 / median / p90)')
    print_fractions(dict(
        blender=fractions,
        fast=fast_fractions(args.out, indices, (width, height)),
        synth=synth_fractions(args.num, args.seed)))
    images = renderings(args.out, indices, (width, height))
    fast, square = fast_vs_blender(images)
    print(f'  mean absolute difference to Blender (0-255 levels): fast '
          f'renderer, same scene and view {fast:.1f}; the square renderer of '
          f'SynthDiffGenerator, same objects, stretched to {args.size} '
          f'{square:.1f}')
    for name, dist in feature_distances(images).items():
        print(f'  MobileNetV2 features ({FEATURE_SIZE[0]}x{FEATURE_SIZE[1]}'
              f'), {name}: distance to the Blender image of the same scene '
              f'/ between Blender images of different scenes '
              f'{dist["ratio"]:.3f}; the same scene is the nearest Blender '
              f'image for {dist["top1"]:.3f}')
    return 0


def _triplet(root, index):
    from onediff_data.clevr_render import release
    return json.loads(release.triplet_path(root, index).read_text())


def centre_colors(root, indices, size):
    """``{(material, color): (blender mean, fast mean)}`` of the objects'
    centre pixels (3x3 medians) in the before images."""
    from PIL import Image

    from onediff_data.clevr_render import release
    from onediff_data.synth.clevr_view import pixel_coords, render_view
    width, height = size
    pixels = {}
    for i in indices:
        triplet = _triplet(root, i)
        objects, view = triplet['objects']['before'], \
            triplet['views']['before']
        fast = render_view(objects, view, size).astype(float)
        blender = np.asarray(Image.open(
            release.paths(root, i)['before']['image']).convert('RGB'),
            float)
        for obj in objects:
            col, row = (int(v) for v in pixel_coords(obj, view, size))
            if not (1 <= col < width - 1 and 1 <= row < height - 1):
                continue
            win = np.s_[row - 1:row + 2, col - 1:col + 2]
            pixels.setdefault((obj['material'], obj['color']), []).append(
                [np.median(im[win].reshape(-1, 3), 0)
                 for im in (blender, fast)])
    return {k: np.mean(v, 0) for k, v in pixels.items()}


def calibrate_colors(root, indices, size, rounds=2):
    """Base colours per material and colour for ``clevr_view``: the ones
    it draws with (else the vocabulary's) scaled per channel by Blender's
    mean over the fast renderer's mean, ``rounds`` times (shading is not
    linear at the clipping points)."""
    from onediff_data.synth import clevr_view
    from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
    vocab = load_scene_vocabulary()
    drawn_with = clevr_view.BASE_COLORS
    colors = {m: dict(c) for m, c in drawn_with.items()}
    try:
        for _ in range(rounds):
            for (material, color), (blender, fast) in centre_colors(
                    root, indices, size).items():
                base = np.asarray(colors.get(material, {}).get(
                    color, vocab.colors[color]), float)
                colors.setdefault(material, {})[color] = [
                    int(v) for v in np.clip(np.round(
                        base * blender / np.maximum(fast, 1)), 0, 255)]
            clevr_view.BASE_COLORS = colors
    finally:
        clevr_view.BASE_COLORS = drawn_with
    return colors


def fast_fractions(root, indices, size):
    """Changed shares of the same triplets drawn by the fast renderer."""
    return _fast_shares((_triplet(root, i) for i in indices), size)


def _fast_shares(triplets, size):
    """Changed shares, before vs each after image, of ``triplets`` drawn
    by the fast renderer."""
    from onediff_data.clevr_render.change_stats import changed_fraction
    from onediff_data.synth.clevr_view import render_triplet
    out = dict(semantic=[], nonsemantic=[])
    for triplet in triplets:
        images = render_triplet(triplet, size)
        for pair in out:
            out[pair].append(changed_fraction(images['before'],
                                              images[pair]))
    return out


def print_fractions(rows):
    """p10 / median / p90 per renderer, beside the release's."""
    from onediff_data.clevr_render import change_stats
    for pair in ('semantic', 'nonsemantic'):
        print(f'  before vs {pair}: release ' + ' / '.join(
            f'{v:.3f}' for v in change_stats.RELEASE[pair]))
        for name, values in rows.items():
            print(f'    {name:<8} ' + ' / '.join(
                f'{v:.3f}' for v in change_stats.summarize(values[pair])))


def fast_rule_fractions(num, seed, size, rules):
    """Changed shares of triplets ``0 .. num - 1`` drawn from
    ``SceneRules(**rules)`` by the fast renderer."""
    from onediff_data.clevr_render.scene import SceneRules
    from onediff_data.synth.clevr_change_generator import PROPERTIES
    scene_rules = SceneRules(PROPERTIES, **(rules or {}))
    return _fast_shares((scene_rules.triplet(i, seed) for i in range(num)),
                        size)


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


# The default model's input: the frozen ImageNet MobileNetV2 it encodes with.
FEATURE_SIZE = (192, 128)


def mobilenet_levels(images, out_indices=(6, )):
    """The default model's frozen ImageNet MobileNetV2 on ``images`` (uint8
    ``(H, W, 3)`` arrays) resized to :data:`FEATURE_SIZE`: one
    ``(N, C, h, w)`` tensor per index of ``out_indices``."""
    import torch
    import torch.nn.functional as F

    from onediff_kit.quiet import quiet_build
    from onediff_kit.registry import MODELS
    with quiet_build():
        encoder = MODELS.build(dict(
            type='MMPretrainEncoder',
            backbone=dict(type='mmpretrain.MobileNetV2',
                          out_indices=tuple(out_indices)),
            frozen_stages='all', pretrained='mobilenet_v2-imagenet'))
        encoder.init_weights()
    encoder.eval()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    x = F.interpolate(x, size=FEATURE_SIZE[::-1], mode='bilinear',
                      antialias=True, align_corners=False)
    x = ((x - mean) / std)[:, None].expand(-1, 2, -1, -1, -1)
    with torch.no_grad():
        chunks = [[level[:, 0] for level in encoder(chunk)]
                  for chunk in x.split(64)]
    return [torch.cat(levels) for levels in zip(*chunks)]


def _features(images):
    """Each image's MobileNetV2 features (the default model's encoder,
    last level: 320 channels on a 4x6 map), flattened, L2-normalised."""
    import torch.nn.functional as F
    return F.normalize(mobilenet_levels(images)[0].flatten(1), dim=1)


def renderings(root, indices, size):
    """Every image of the triplets three ways: ``blender`` (the render
    folder's), ``fast`` (the fast renderer, same scene and view) and
    ``square`` (the square renderer, same objects, its own camera, resized
    to ``size``); lists of uint8 arrays in the same order."""
    from PIL import Image

    from onediff_data.clevr_render import release
    from onediff_data.synth.clevr_view import render_triplet
    from onediff_data.synth.render import render_scene
    images = dict(blender=[], fast=[], square=[])
    for i in indices:
        triplet = _triplet(root, i)
        fast = render_triplet(triplet, size)
        for name, paths in release.paths(root, i).items():
            images['blender'].append(np.asarray(
                Image.open(paths['image']).convert('RGB')))
            images['fast'].append(fast[name])
            images['square'].append(np.asarray(Image.fromarray(
                render_scene(triplet['objects'][name], size[1])).resize(size)))
    return images


def feature_distances(images):
    """How far each renderer's image is from Blender's image of the same
    scene, in the features the default model sees: the mean cosine
    distance to the same scene's Blender image over the mean distance
    between Blender images of different scenes (0: identical, 1: no closer
    than another scene), and how often the same scene's Blender image is
    the nearest of all. ``images``: :func:`renderings`."""
    import torch
    blender = _features(images['blender'])
    between = 1 - blender @ blender.T
    scale = float(between[~torch.eye(len(blender), dtype=torch.bool)]
                  .mean())
    out = {}
    for name in ('fast', 'square'):
        dist = 1 - _features(images[name]) @ blender.T
        out[name] = dict(
            ratio=float(dist.diagonal().mean()) / scale,
            top1=float((dist.argmin(1) == torch.arange(len(dist))).float()
                       .mean()))
    return out


def fast_vs_blender(images):
    """Mean absolute differences (levels) to the Blender images of the
    fast and the square renderer. ``images``: :func:`renderings`."""
    blender = [im.astype(float) for im in images['blender']]
    return tuple(float(np.mean([np.abs(b - im).mean()
                                for b, im in zip(blender, images[name])]))
                 for name in ('fast', 'square'))


if __name__ == '__main__':
    sys.exit(main())

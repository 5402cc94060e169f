"""Where does the change map peak? Aligned against matched differences.

On the Blender-rendered CLEVR-Change evaluation set (its semantic pairs,
with the changed object's box before and after), the default model's
frozen MobileNetV2 features at 192x128, one level: the change map is the
size of the difference of the two images' features at each place, as the
Visual Delta Module's change prior reads it (``match_radius``):

* ``aligned``: ``|B - A|`` of the features pooled to the memory grid
  (``match_radius=0`` with ``level_pool``);
* ``matched rN``: the larger of the two directions' distances to the
  closest feature within N places of the other image, at the level's
  full size, max-pooled to the memory grid (``match_radius=N``).

A pair is a hit when the map's peak falls in the changed object's box
(before or after), widened by one grid cell. No training is involved:
this measures what the prior can point at under CLEVR-Change's jitter.

Usage:
    .venv/bin/python -m bench.probe_change_map
        [--root ~/.cache/onediff/clevr-change-eval] [--level 2]
        [--pool 12] [--radii 1 2]

``--root``: a folder ``bench.bench_clevr_change_eval`` rendered and
imported (its ``manifest.jsonl``).
"""
import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.bench_clevr_change_eval import DEFAULT_CACHE
from bench.bench_clevr_change_stats import mobilenet_levels


def change_maps(before, after, pool, radii):
    """``{name: (N, h, w) change map}`` for feature maps ``(N, C, H, W)``
    of the two images, on the ``pool`` grid."""
    import torch.nn.functional as F

    from onediff_models.deltas.matched_difference import matched_difference
    from onediff_models.deltas.visual_delta_module import pooled_size
    grid = pooled_size(before.shape[-2:], pool)
    maps = {'aligned': matched_difference(
        F.adaptive_avg_pool2d(before, grid),
        F.adaptive_avg_pool2d(after, grid), 0)[1]}
    for r in radii:
        _, size = matched_difference(before, after, r)
        maps[f'matched r{r}'] = F.adaptive_max_pool2d(size[:, None],
                                                      grid)[:, 0]
    return maps


def hit(cmap, boxes):
    """Does the peak of ``cmap`` ``(h, w)`` fall in one of ``boxes``
    (fractions ``[x0, y0, x1, y1]``), widened by one cell?"""
    h, w = cmap.shape
    i = int(cmap.argmax())
    y, x = (i // w + 0.5) / h, (i % w + 0.5) / w
    return any(x0 - 1 / w <= x <= x1 + 1 / w and y0 - 1 / h <= y <= y1 + 1 / h
               for x0, y0, x1, y1 in boxes)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--root', type=Path, default=DEFAULT_CACHE)
    p.add_argument('--level', type=int, default=2,
                   help='MobileNetV2 out index (2: stride 8)')
    p.add_argument('--pool', type=int, default=12,
                   help="memory grid's longer side (the default's 12)")
    p.add_argument('--radii', type=int, nargs='+', default=[1, 2])
    args = p.parse_args(argv)

    import onediff_kit
    onediff_kit.init()
    from PIL import Image
    manifest = args.root / 'manifest.jsonl'
    if not manifest.is_file():
        raise SystemExit(f'{manifest}: missing; run python -m '
                         'bench.bench_clevr_change_eval --assets DIR first')
    records = [json.loads(line) for line in manifest.read_text().splitlines()
               if line.strip()]
    pairs = [r for r in records if r['change_type'] != 'none' and any(
        (r.get('meta') or {}).get(k) for k in ('box_before', 'box_after'))]
    skipped = sum(r['change_type'] != 'none' for r in records) - len(pairs)

    def load(path):
        return np.asarray(Image.open(args.root / path).convert('RGB'))

    images = [load(r[k]) for r in pairs for k in ('before', 'after')]
    feats = mobilenet_levels(images, (args.level, ))[0]
    maps = change_maps(feats[0::2], feats[1::2], args.pool, args.radii)
    hits = defaultdict(lambda: defaultdict(list))
    for name, batch in maps.items():
        for rec, cmap in zip(pairs, batch):
            boxes = [b for b in (rec['meta'].get('box_before'),
                                 rec['meta'].get('box_after')) if b]
            ok = hit(cmap.numpy(), boxes)
            hits[name]['all'].append(ok)
            hits[name][rec['change_type']].append(ok)
    types = sorted({r['change_type'] for r in pairs})
    print(f'{args.root}: {len(pairs)} semantic pairs with a box '
          f'({skipped} without, skipped); level {args.level} '
          f'{tuple(feats.shape[-2:])}, grid of longer side {args.pool}')
    print('| map | peak on the changed object | ' + ' | '.join(types) + ' |')
    print('|---' * (len(types) + 2) + '|')
    for name, by_type in hits.items():
        print(f'| {name} | {np.mean(by_type["all"]):.3f} | ' + ' | '.join(
            f'{np.mean(by_type[t]):.2f}' for t in types) + ' |')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())

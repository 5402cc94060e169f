"""PointingGameMetric: does the delta attention point at the change?"""
import json
import os
import os.path as osp
from collections import OrderedDict

import torch
import torch.nn.functional as F
from mmengine.logging import print_log

from onediff_kit.contracts import ReportMetric
from onediff_kit.registry import METRICS
from onediff_kit.visualization import delta_attention_maps

# Where the changed object can be seen: before a drop or an attribute
# change, after an add, in both images for a move (as DUDA scores it).
DEFAULT_IMAGES = dict(color=('before', ), material=('before', ),
                      drop=('before', ), add=('after', ),
                      move=('before', 'after'))
IMAGE_INDEX = dict(before=0, after=1)


def point_in_box(attention_map, box, map_size=64):
    """Pointing-game score of one attention map against one box.

    Args:
        attention_map (Tensor | np.ndarray): ``(h, w)`` non-negative
            attention over one image.
        box (sequence[float]): ``[x0, y0, x1, y1]`` as fractions of the
            image width and height.
        map_size (int): the map is upsampled (bilinear) to this side
            before its peak and mass are read, so a box smaller than one
            attention cell can still be hit.

    Returns:
        tuple[bool, float, float]: ``(hit, mass, area)``: whether the
        map's peak lies in the box (never for a flat map: it has no peak),
        the share of the map's total attention inside the box, and the
        box's share of the image (the hit rate of a random point).
    """
    m = torch.as_tensor(attention_map, dtype=torch.float32)
    if m.dim() != 2:
        raise ValueError(f'an attention map must be (h, w), got '
                         f'{tuple(m.shape)}')
    m = F.interpolate(m.clamp(min=0)[None, None], size=(map_size, map_size),
                      mode='bilinear', align_corners=False)[0, 0]
    centres = (torch.arange(map_size, dtype=torch.float32) + 0.5) / map_size
    x0, y0, x1, y1 = (float(v) for v in box)
    inside = (((centres >= y0) & (centres < y1))[:, None] &
              ((centres >= x0) & (centres < x1))[None, :])
    peak = float(m.max())
    flat = peak - float(m.min()) <= 1e-6 * max(peak, 1e-12)
    hit = not flat and bool(inside.flatten()[int(m.argmax())])
    total = float(m.sum())
    mass = float(m[inside].sum()) / total if total > 0 else 0.0
    return hit, mass, float(inside.float().mean())


@METRICS.register_module()
class PointingGameMetric(ReportMetric):
    """Change localisation: the Pointing Game of DUDA (Park et al., Robust
    Change Captioning, ICCV 2019) on the delta module's attention.

    For each pair whose scene truth has the changed object's box
    (``meta['box_before']`` / ``meta['box_after']``, written by the
    synthetic generator) and whose data sample carries the delta
    attention (``delta_attention``, set by ``OneDiff.predict`` when the
    delta module exposes attention, e.g. the VisualDeltaModule or
    SubtractDelta, in its ``DeltaOutput``; one map per image comes from
    :func:`~onediff_kit.visualization.delta_attention_maps`), each image
    the change can be seen in (``images``) is one point: a hit when the
    attention's peak in that image lies inside the object's box.
    Keys:

    * ``pointing/hit_rate``: hits / points (DUDA's score).
    * ``pointing/mass_in_box``: mean share of each image's attention that
      falls inside the box.
    * ``pointing/chance``: mean box area, the hit rate of a random point.
    * ``pointing/<type>/hit_rate`` and ``pointing/<type>/mass_in_box`` per
      change type.

    Pairs are skipped, and counted in the log and the report
    (:meth:`compute_report`), when
    nothing changed (type ``none`` or not in ``images``), when the record
    has no box (a manifest written before the generator stored boxes:
    regenerate it), or when the sample carries no attention (a delta module
    that exposes none). With no point at all it returns no keys.

    Args:
        images (dict[str, sequence[str]], optional): change type -> the
            images (``'before'``, ``'after'``) whose box is scored.
            Defaults to :data:`DEFAULT_IMAGES`.
        map_size (int): side the attention maps are upsampled to before
            scoring. Defaults to 64.
        output_dir (str, optional): if set, each evaluation writes
            ``pointing_scores.json`` there.
        file_prefix (str): prefix of that file name. Defaults to ``''``.
        predictions_file (str, optional): accepted as every test metric of
            ``tools/test.py`` is given it; the captions are written by the
            caption metrics, so it is unused here.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): key prefix. Defaults to ``'pointing'``.
        collect_dir (str, optional): tmp dir for collecting results on cpu.
    """
    default_prefix = 'pointing'

    def __init__(self,
                 images=None,
                 map_size=64,
                 output_dir=None,
                 file_prefix='',
                 predictions_file=None,
                 collect_device='cpu',
                 prefix=None,
                 collect_dir=None):
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.images = {t: tuple(v) for t, v in (
            DEFAULT_IMAGES if images is None else images).items()}
        for change_type, names in self.images.items():
            unknown = [n for n in names if n not in IMAGE_INDEX]
            if unknown:
                raise ValueError(
                    f'PointingGameMetric images[{change_type!r}]: {unknown} '
                    f'are not images; use {list(IMAGE_INDEX)}')
        self.map_size = int(map_size)
        self.output_dir = output_dir
        self.file_prefix = file_prefix

    def process(self, data_batch, data_samples):
        """Score each sample's attention against its boxes.

        Args:
            data_batch: unused.
            data_samples (Sequence[DiffDataSample | dict]): predict outputs
                with ``change_type``, ``meta`` and ``delta_attention``.
        """
        for sample in data_samples:
            change_type = sample.get('change_type')
            meta = sample.get('meta') or {}
            attention = sample.get('delta_attention')
            result = dict(pair_id=str(sample.get('pair_id')),
                          change_type=change_type, points=[])
            wanted = self.images.get(change_type)
            boxes = [(name, meta.get(f'box_{name}'))
                     for name in wanted or ()]
            if not wanted:
                result['skip'] = 'no_change'
            elif not any(box for _, box in boxes):
                result['skip'] = 'no_box'
            elif attention is None:
                result['skip'] = 'no_attention'
            else:
                # Weights, not rescaled: their sums measure attention mass.
                maps = delta_attention_maps(attention, rescale=False)
                for name, box in boxes:
                    if box:
                        result['points'].append(point_in_box(
                            maps[IMAGE_INDEX[name]], box, self.map_size))
            self.results.append(result)

    def compute_report(self, results):
        """Hit rate and mass in the box, overall and per change type.

        Args:
            results (list[dict]): the processed samples of every rank.

        Returns:
            dict: ``metrics`` (name without prefix -> value; empty with no
            point to score), ``scores`` (the overall ones), ``per_type``,
            ``counts`` (pairs, points, skipped per reason), ``images`` and
            ``map_size``.
        """
        skipped = OrderedDict(no_change=0, no_box=0, no_attention=0)
        groups = OrderedDict(all=[])
        for r in results:
            if 'skip' in r:
                skipped[r['skip']] += 1
                continue
            groups['all'] += r['points']
            groups.setdefault(r['change_type'], []).extend(r['points'])
        scored = len(results) - sum(skipped.values())
        if any(skipped.values()):
            print_log(
                f'PointingGameMetric: {scored} of {len(results)} pairs '
                f'scored; skipped: {skipped["no_change"]} with no changed '
                f'object (none), {skipped["no_box"]} with no box in scene '
                f'truth (a manifest from before boxes were stored: '
                f'regenerate it), {skipped["no_attention"]} with no delta '
                'attention (the delta module exposes none, or predict '
                'was called with need_attention=False)',
                logger='current',
                level=30 if skipped['no_box'] or skipped['no_attention']
                else 20)
        metrics, per_type = OrderedDict(), OrderedDict()
        for group, points in groups.items():
            if not points:
                continue
            scores = OrderedDict(
                hit_rate=sum(p[0] for p in points) / len(points),
                mass_in_box=sum(p[1] for p in points) / len(points),
                chance=sum(p[2] for p in points) / len(points))
            if group == 'all':
                metrics.update(scores)
                continue
            per_type[group] = OrderedDict(points=len(points), **scores)
            for name in ('hit_rate', 'mass_in_box'):
                metrics[f'{group}/{name}'] = scores[name]
        return dict(
            metrics=metrics,
            scores=OrderedDict((k, v) for k, v in metrics.items()
                               if '/' not in k),
            per_type=per_type,
            counts=dict(pairs=scored, points=len(groups['all']),
                        skipped=dict(skipped)),
            images={t: list(v) for t, v in self.images.items()},
            map_size=self.map_size)

    def write_outputs(self, report, results):
        """Write ``pointing_scores.json`` (the report without the flat
        ``metrics``) to ``output_dir`` when it is set."""
        if not self.output_dir:
            return
        os.makedirs(self.output_dir, exist_ok=True)
        path = osp.join(self.output_dir,
                        f'{self.file_prefix}pointing_scores.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({k: v for k, v in report.items() if k != 'metrics'},
                      f, indent=2)

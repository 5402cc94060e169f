"""The same random resized crop on both images of a pair."""
import math

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from onediff_kit.registry import TRANSFORMS

from .resize_pair import INTERPOLATIONS, resize, to_hw


@TRANSFORMS.register_module(name='RandomResizedCropPair')
class RandomResizedCropPair(BaseTransform):
    """Crop the same relative region of both images, then resize.

    The crop box is drawn once per pair, in coordinates relative to the
    image, so the two images stay aligned even when their sizes differ.
    Keep ``scale`` close to 1: a tight crop can cut the changed object out
    of view and make the caption wrong.

    Required keys: ``imgs``. Modified keys: ``imgs``, ``img_shape``. Added
    key: ``crop_box`` (relative x0, y0, x1, y1).

    Args:
        size (int | tuple[int, int]): output (h, w).
        scale (tuple[float, float]): range of the crop's area share.
            Defaults to (0.85, 1.0).
        ratio (tuple[float, float]): range of the crop's aspect ratio
            (w / h). Defaults to (3 / 4, 4 / 3).
        prob (float): chance of cropping; otherwise only resize.
            Defaults to 1.0.
        interpolation (str): as in :class:`ResizePair`.
    """

    def __init__(self,
                 size,
                 scale=(0.85, 1.0),
                 ratio=(3 / 4, 4 / 3),
                 prob=1.0,
                 interpolation='bilinear'):
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f'scale must satisfy 0 < lo <= hi <= 1, got '
                             f'{scale}')
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f'unknown interpolation {interpolation!r}')
        self.size = to_hw(size)
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.prob = prob
        self.interpolation = interpolation

    @cache_randomness
    def _box(self):
        if np.random.rand() >= self.prob:
            return 0.0, 0.0, 1.0, 1.0
        log_r = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = np.random.uniform(*self.scale)
            r = math.exp(np.random.uniform(*log_r))
            w = math.sqrt(area * r)
            h = math.sqrt(area / r)
            if w <= 1 and h <= 1:
                x0 = np.random.uniform(0, 1 - w)
                y0 = np.random.uniform(0, 1 - h)
                return x0, y0, x0 + w, y0 + h
        side = math.sqrt(self.scale[1])
        x0 = (1 - side) / 2
        return x0, x0, x0 + side, x0 + side

    def transform(self, results):
        box = self._box()
        out = []
        for im in results['imgs']:
            h, w = im.shape[:2]
            x0, x1 = int(round(box[0] * w)), max(int(round(box[2] * w)), 1)
            y0, y1 = int(round(box[1] * h)), max(int(round(box[3] * h)), 1)
            out.append(
                resize(im[y0:y1, x0:x1], self.size, self.interpolation))
        results['imgs'] = out
        results['img_shape'] = self.size
        results['crop_box'] = tuple(round(float(v), 4) for v in box)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, '
                f'scale={self.scale}, ratio={self.ratio}, prob={self.prob})')

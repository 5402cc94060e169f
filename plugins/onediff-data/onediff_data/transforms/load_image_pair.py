"""Load both images of a pair as RGB arrays."""
import os

import numpy as np
from mmcv.transforms import BaseTransform

from onediff_kit.data.image_io import DEFAULT_MAX_PIXELS, read_image
from onediff_kit.registry import TRANSFORMS


@TRANSFORMS.register_module(name='LoadImagePair')
class LoadImagePair(BaseTransform):
    """Read ``before_path`` and ``after_path`` with every safety guard.

    Uses :func:`onediff_kit.data.image_io.read_image`: the paths must stay
    inside ``results['data_root']``, the header may not claim more than
    ``max_pixels`` pixels, EXIF orientation is applied and every image mode
    (grey, RGBA, palette, 16-bit, CMYK, ...) becomes 8-bit RGB.

    Required keys: ``before_path``, ``after_path`` (relative to
    ``data_root`` when it is set), optional ``data_root``, ``pair_id``.

    Added keys: ``imgs`` (list of two ``(H, W, 3)`` uint8 arrays, before
    then after), ``ori_shapes`` (their ``(h, w)``), ``img_shape``; the two
    paths become the resolved file paths.

    Args:
        max_pixels (int): refuse larger images (decompression bombs).
            Defaults to :data:`~onediff_kit.data.image_io.DEFAULT_MAX_PIXELS`.

    Raises:
        ImageReadError: naming the pair id and the path, for a missing,
            empty, corrupt, truncated, oversized or escaping image.
    """

    def __init__(self, max_pixels=DEFAULT_MAX_PIXELS):
        self.max_pixels = max_pixels

    def transform(self, results):
        root = results.get('data_root') or None
        pair_id = results.get('pair_id')
        imgs = []
        for key in ('before_path', 'after_path'):
            img = read_image(results[key], root, self.max_pixels, pair_id)
            imgs.append(np.asarray(img))
            if root is not None:
                results[key] = os.path.join(root, results[key])
        results['imgs'] = imgs
        results['ori_shapes'] = tuple(im.shape[:2] for im in imgs)
        results['img_shape'] = imgs[0].shape[:2]
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(max_pixels={self.max_pixels})'

"""Load both images of a pair as RGB arrays (from files or from memory)."""
import os

from mmcv.transforms import BaseTransform

from onediff_kit.data.image_inputs import to_rgb_array
from onediff_kit.data.image_io import DEFAULT_MAX_PIXELS, read_image_array
from onediff_kit.registry import TRANSFORMS


@TRANSFORMS.register_module(name='LoadImagePair')
class LoadImagePair(BaseTransform):
    """Read ``before_path`` and ``after_path`` with every safety guard.

    Uses :func:`onediff_kit.data.image_io.read_image`: the paths must stay
    inside ``results['data_root']``, the header may not claim more than
    ``max_pixels`` pixels, EXIF orientation is applied and every image mode
    (grey, RGBA, palette, 16-bit, CMYK, ...) becomes 8-bit RGB.

    Required keys: for each of ``before`` and ``after``, either
    ``<name>_path`` (relative to ``data_root`` when it is set) or
    ``<name>_img``, an in-memory image (PIL image or numpy array, any mode:
    grey, RGBA, palette, 16-bit, float) that is converted to RGB as a file
    would be; this is how inference (``DiffCaptioner``) reuses the test
    pipeline. Optional ``data_root``, ``pair_id``.

    Added keys: ``imgs`` (list of two ``(H, W, 3)`` uint8 arrays, before
    then after), ``ori_shapes`` (their ``(h, w)``), ``img_shape``; the
    paths read become the resolved file paths and the ``<name>_img`` keys
    are removed.

    Args:
        max_pixels (int): refuse larger images (decompression bombs).
            Defaults to :data:`~onediff_kit.data.image_io.DEFAULT_MAX_PIXELS`.

    Raises:
        ImageReadError: naming the pair id and the path, for a missing,
            empty, corrupt, truncated, oversized or escaping image.
        KeyError: neither ``<name>_path`` nor ``<name>_img`` is given.
        TypeError, ValueError: an in-memory image of unsupported type,
            shape or dtype (naming the pair and the image).
    """

    def __init__(self, max_pixels=DEFAULT_MAX_PIXELS):
        self.max_pixels = max_pixels

    def transform(self, results):
        root = results.get('data_root') or None
        pair_id = results.get('pair_id')
        imgs = []
        for name in ('before', 'after'):
            image = results.pop(f'{name}_img', None)
            if image is not None:
                imgs.append(to_rgb_array(
                    image, max_pixels=self.max_pixels,
                    name=f'pair {pair_id} {name} image'))
                continue
            key = f'{name}_path'
            if key not in results:
                raise KeyError(f'LoadImagePair: pair {pair_id!r} has neither '
                               f'"{key}" nor "{name}_img"')
            imgs.append(read_image_array(results[key], root,
                                         self.max_pixels, pair_id))
            if root is not None:
                results[key] = os.path.join(root, results[key])
        results['imgs'] = imgs
        results['ori_shapes'] = tuple(im.shape[:2] for im in imgs)
        results['img_shape'] = imgs[0].shape[:2]
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(max_pixels={self.max_pixels})'

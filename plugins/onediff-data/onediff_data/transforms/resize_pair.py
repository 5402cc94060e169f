"""Resize both images of a pair to one fixed size."""
import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from onediff_kit.registry import TRANSFORMS

INTERPOLATIONS = {
    'nearest': Image.NEAREST,
    'bilinear': Image.BILINEAR,
    'bicubic': Image.BICUBIC,
    'lanczos': Image.LANCZOS,
}


def to_hw(size):
    """int or (h, w) -> (h, w)."""
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def resize(img, hw, interpolation='bilinear'):
    """Resize an (H, W, 3) uint8 array to ``hw`` with PIL."""
    if img.shape[:2] == tuple(hw):
        return img
    out = Image.fromarray(img).resize((hw[1], hw[0]),
                                      INTERPOLATIONS[interpolation])
    return np.asarray(out)


@TRANSFORMS.register_module(name='ResizePair')
class ResizePair(BaseTransform):
    """Resize before and after to the same fixed size.

    The two inputs may differ in size (Image Editing Request photos,
    Birds-to-Words); both come out ``size``. Aspect ratio is not kept, as
    in CLIP-style square inputs.

    Required keys: ``imgs``. Modified keys: ``imgs``, ``img_shape``.

    Args:
        size (int | tuple[int, int]): output (h, w), or one side.
        interpolation (str): nearest, bilinear, bicubic or lanczos.
            Defaults to 'bilinear'.
    """

    def __init__(self, size, interpolation='bilinear'):
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f'interpolation must be one of '
                             f'{list(INTERPOLATIONS)}, got {interpolation!r}')
        self.size = to_hw(size)
        self.interpolation = interpolation

    def transform(self, results):
        results['imgs'] = [
            resize(im, self.size, self.interpolation) for im in results['imgs']
        ]
        results['img_shape'] = self.size
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, '
                f'interpolation={self.interpolation!r})')

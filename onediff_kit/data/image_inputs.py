"""Turn a path, PIL image or numpy array into an ``(H, W, 3)`` uint8 array.

Paths go through :func:`onediff_kit.data.image_io.read_image` (existence,
size and decompression-bomb guards); in-memory images get the same mode
conversion, so grey, RGBA, palette and 16-bit inputs all become RGB.
"""
from pathlib import Path

import numpy as np
from PIL import Image

from onediff_kit.data.image_io import (DEFAULT_MAX_PIXELS, _to_rgb,
                                       read_image)


def is_path(image):
    """True for a ``str`` or ``os.PathLike`` naming an image file."""
    return isinstance(image, (str, Path))


def array_to_pil(array, name='array'):
    """A numpy image (grey, grey+alpha, RGB, RGBA) as a PIL image.

    Args:
        array (np.ndarray): ``(H, W)``, ``(H, W, 1)``, ``(H, W, 2)``,
            ``(H, W, 3)`` or ``(H, W, 4)``; uint8, uint16 (full 16-bit
            range), bool, or float in [0, 1] (values above 1 are read as
            0-255).
        name (str): named in errors.

    Returns:
        PIL.Image.Image: an 8-bit image in mode L, LA, RGB or RGBA.

    Raises:
        ValueError: for another shape or dtype.
    """
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (2, 3, 4)):
        raise ValueError(f'{name}: expected an image shaped (H, W), '
                         f'(H, W, 3) or (H, W, 4), got {a.shape}')
    if min(a.shape[:2]) < 1:
        raise ValueError(f'{name}: empty image of shape {a.shape}')
    if a.dtype == np.bool_:
        a = a.astype(np.uint8) * 255
    elif np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise ValueError(f'{name}: image holds NaN or infinite values')
        scale = 255.0 if a.max() <= 1.0 else 1.0
        a = np.clip(np.rint(a * scale), 0, 255).astype(np.uint8)
    elif a.dtype == np.uint16:
        a = np.rint(a / 257.0).astype(np.uint8)
    elif a.dtype != np.uint8:
        if a.min() < 0 or a.max() > 255:
            raise ValueError(f'{name}: {a.dtype} values outside 0-255; give '
                             'uint8, uint16 grey or float in [0, 1]')
        a = a.astype(np.uint8)
    # uint8 (H, W), (H, W, 2/3/4) open as L, LA, RGB, RGBA.
    return Image.fromarray(np.ascontiguousarray(a))


def to_rgb_array(image, root=None, max_pixels=DEFAULT_MAX_PIXELS,
                 name='image'):
    """Any supported image input as an ``(H, W, 3)`` uint8 RGB array.

    Args:
        image (str | Path | PIL.Image.Image | np.ndarray): the image.
        root (str, optional): data root a path must stay inside.
        max_pixels (int): refuse image files whose header claims more.
        name (str): named in errors about in-memory images.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.

    Raises:
        ImageReadError: a path that is missing, empty, corrupt or too big.
        TypeError: an unsupported input type.
        ValueError: an array of unsupported shape or dtype.
    """
    if is_path(image):
        return np.asarray(read_image(image, root, max_pixels=max_pixels))
    if isinstance(image, Image.Image):
        image.load()
        return np.asarray(_to_rgb(image))
    if isinstance(image, np.ndarray):
        return np.asarray(_to_rgb(array_to_pil(image, name)))
    raise TypeError(f'{name}: expected a file path, a PIL image or a numpy '
                    f'array, got {type(image).__name__}')

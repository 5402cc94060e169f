"""Safe image reading shared by the datasets and the captioning API.

Three guards run before any pixel is decoded: the path must stay inside the
data root (no ``..`` or absolute paths escaping it), the file must exist and
be non-empty, and the header's pixel count must stay under a limit (a
decompression bomb claims e.g. 20,000 x 20,000 pixels in a few hundred
bytes). Decoding then applies the EXIF orientation and turns every mode
(grey, grey+alpha, palette, RGBA, 16-bit, 32-bit, CMYK, YCbCr, LAB) into
8-bit RGB.
"""
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# 67,108,864 pixels (64 x 1024 x 1024): far above any benchmark image
# (CLEVR 480x320, Spot-the-Diff 224x224, IER photos up to ~4k x 3k) and far
# below a bomb. The one limit: the check, its message, the docs and the web
# server's /api/info all quote this number.
DEFAULT_MAX_PIXELS = 64 * 1024 * 1024


class ImageReadError(OSError):
    """An image could not be read; the message names the path and why."""

    def __init__(self, path, reason, pair_id=None):
        self.path = str(path)
        self.reason = reason
        self.pair_id = pair_id
        where = f'pair {pair_id!r}: ' if pair_id is not None else ''
        super().__init__(f'{where}cannot read image {self.path}: {reason}')


def resolve_in_root(path, root=None):
    """Join ``path`` to ``root`` and refuse a result outside ``root``.

    Both sides are resolved (``os.path.realpath``), so a root reached through
    a symlink (``data/clevr -> /mnt/datasets/clevr``) holds its images. A
    path that only descends from the root (no ``..``; an absolute path
    spelled under the root) may also follow the symlinks placed inside the
    root, e.g. an ``images`` folder linked from another disk: whoever put
    the link there chose where it points. A ``..`` or an absolute path is
    accepted only when its resolved target lies inside the resolved root.

    Args:
        path (str | Path): a path relative to ``root`` (an absolute path is
            accepted only when it lies inside ``root``).
        root (str | Path, optional): the data root. ``None`` means no
            containment check; the path is returned as given.

    Returns:
        Path: the resolved path.

    Raises:
        ImageReadError: if the path escapes the root.
    """
    if root is None:
        return Path(path)
    root_real = Path(os.path.realpath(root))
    full = Path(os.path.realpath(Path(root) / path))
    if full == root_real or root_real in full.parents:
        return full
    if _descends(path, root):
        return full
    raise ImageReadError(path, f'path escapes the data root {root}')


def _descends(path, root):
    """Whether ``path`` names an entry below ``root`` by its spelling alone:
    relative without ``..``, or absolute under the root's absolute form."""
    path = Path(path)
    if path.is_absolute():
        root_abs = Path(os.path.abspath(root))
        try:
            path = path.relative_to(root_abs)
        except ValueError:
            return False
    return bool(path.parts) and '..' not in path.parts


def _to_rgb(img):
    """Any PIL mode -> 8-bit RGB (alpha composited on white)."""
    if img.mode == 'RGB':
        return img
    if img.mode in ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I', 'F'):
        arr = np.asarray(img, dtype=np.float64)
        if img.mode.startswith('I;16'):
            arr = arr / 257.0
        else:
            lo, hi = float(arr.min()), float(arr.max())
            if 0 <= lo and hi <= 65535 and hi > 255:
                # 16-bit PNGs open as mode I in some Pillow versions.
                arr = arr / 257.0
            elif hi > 255 or lo < 0:
                arr = (arr - lo) * (255.0 / max(hi - lo, 1e-12))
        arr = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, 'L').convert('RGB')
    if img.mode == 'P':
        img = img.convert('RGBA')
    if img.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La'):
        rgba = img.convert('RGBA')
        background = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert('RGB')
    # L, 1, CMYK, YCbCr, LAB, HSV: PIL converts these directly.
    return img.convert('RGB')


def _over_limit(max_pixels):
    return (f'more than the limit of {max_pixels:,} pixels (possible '
            'decompression bomb)')


def read_image(path,
               root=None,
               max_pixels=DEFAULT_MAX_PIXELS,
               pair_id=None,
               exif_transpose=True):
    """Read one image as an RGB ``PIL.Image`` with every guard applied.

    Args:
        path (str | Path): the image file, relative to ``root`` when given.
        root (str | Path, optional): data root the path must stay inside.
        max_pixels (int): refuse images whose header claims more pixels.
        pair_id (str, optional): named in errors.
        exif_transpose (bool): apply the EXIF orientation tag.

    Returns:
        PIL.Image.Image: a fully decoded RGB image.

    Raises:
        ImageReadError: missing, empty, outside the root, too large,
            corrupt or truncated.
    """
    try:
        full = resolve_in_root(path, root)
    except ImageReadError as exc:
        raise ImageReadError(path, exc.reason, pair_id) from None
    if not full.is_file():
        raise ImageReadError(full, 'file not found', pair_id)
    if full.stat().st_size == 0:
        raise ImageReadError(full, 'file is empty (0 bytes)', pair_id)
    try:
        with warnings.catch_warnings():
            # PIL's own bomb check warns or raises at its own limit; ours runs
            # first and names the pair.
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(full) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise ImageReadError(
                        full, f'header claims {w}x{h} = {w * h:,} pixels, '
                        f'{_over_limit(max_pixels)}', pair_id)
                img.load()
                if exif_transpose:
                    img = ImageOps.exif_transpose(img)
                return _to_rgb(img)
    except ImageReadError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses inside Image.open, before ours can look, headers
        # over 2 * Image.MAX_IMAGE_PIXELS pixels (178,956,970 by default):
        # more than our limit unless max_pixels is larger still.
        limit = max_pixels
        if Image.MAX_IMAGE_PIXELS:
            limit = min(limit, 2 * Image.MAX_IMAGE_PIXELS)
        raise ImageReadError(full, f'header claims {_over_limit(limit)}',
                             pair_id) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(full, f'corrupt or truncated image '
                             f'({type(exc).__name__}: {exc})',
                             pair_id) from None


def read_image_array(path, root=None, max_pixels=DEFAULT_MAX_PIXELS,
                     pair_id=None):
    """Like :func:`read_image` but returns an ``(H, W, 3)`` uint8 array."""
    return np.asarray(read_image(path, root, max_pixels, pair_id))

"""Real-photo pairs: offline sample photos with a shape pasted, removed,
recoloured or moved (the 'real_edit' task, after DiffCap's mix of real and
synthetic pairs).

Only photos that ship inside installed packages are used (scikit-image,
scikit-learn, matplotlib); nothing is downloaded.
"""
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary

SCENE_VOCAB = load_scene_vocabulary()


def _load(name):
    if name == 'china' or name == 'flower':
        from sklearn.datasets import load_sample_image
        return load_sample_image(f'{name}.jpg')
    if name == 'grace_hopper':
        import matplotlib.cbook as cbook
        with cbook.get_sample_data('grace_hopper.jpg') as f:
            return np.asarray(Image.open(f).convert('RGB'))
    import skimage.data
    return getattr(skimage.data, name)()


@lru_cache(maxsize=None)
def photo(name):
    """One offline photo as an RGB uint8 array (cached per process)."""
    if name not in SCENE_VOCAB.real_images:
        raise ValueError(f'unknown photo {name!r}; expected one of '
                         f'{SCENE_VOCAB.real_images}')
    arr = np.asarray(_load(name))
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, -1)
    return np.ascontiguousarray(arr[..., :3]).astype(np.uint8)


def _crop(rng, name, size):
    img = photo(name)
    h, w = img.shape[:2]
    side = int(min(h, w) * rng.uniform(0.6, 1.0))
    top = int(rng.integers(0, h - side + 1))
    left = int(rng.integers(0, w - side + 1))
    crop = Image.fromarray(img[top:top + side, left:left + side])
    return crop.resize((size, size), Image.BILINEAR), [top, left, side]


def _region_box(region, size, rng, extent):
    """A shape box of side ``extent`` inside one cell of the 3x3 grid."""
    idx = SCENE_VOCAB.regions.index(region)
    r, c = divmod(idx, 3)
    cell = size / 3
    x0 = c * cell + rng.uniform(0, max(cell - extent, 0))
    y0 = r * cell + rng.uniform(0, max(cell - extent, 0))
    return [round(x0), round(y0), round(x0 + extent), round(y0 + extent)]


def _paste(img, shape, color, box):
    img = img.copy()
    draw = ImageDraw.Draw(img)
    rgb = SCENE_VOCAB.real_colors[color]
    x0, y0, x1, y1 = box
    if shape == 'square':
        draw.rectangle(box, fill=rgb, outline=(0, 0, 0))
    elif shape == 'circle':
        draw.ellipse(box, fill=rgb, outline=(0, 0, 0))
    elif shape == 'triangle':
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)],
                     fill=rgb, outline=(0, 0, 0))
    return img


def make_real_edit(rng, change_type, size):
    """One real-photo pair with exactly one edit.

    Args:
        rng (numpy.random.Generator): randomness.
        change_type (str): one of the scene vocabulary's
            ``real_change_types``.
        size (int): image side in pixels.

    Returns:
        tuple: (before PIL image, after PIL image, edit dict). The edit
        holds the photo, crop, shape, colour(s), region(s) and box(es) that
        the captions are made from.
    """
    name = SCENE_VOCAB.real_images[rng.integers(len(SCENE_VOCAB.real_images))]
    base, crop = _crop(rng, name, size)
    shape = SCENE_VOCAB.real_shapes[rng.integers(len(SCENE_VOCAB.real_shapes))]
    colors = list(SCENE_VOCAB.real_colors)
    color = colors[rng.integers(len(colors))]
    region = SCENE_VOCAB.regions[rng.integers(len(SCENE_VOCAB.regions))]
    extent = size / 3 * rng.uniform(0.45, 0.8)
    box = _region_box(region, size, rng, extent)
    edit = dict(change_type=change_type, photo=name, crop=crop, shape=shape,
                color=color, region=region, box=box)
    if change_type == 'add':
        before, after = base, _paste(base, shape, color, box)
    elif change_type == 'drop':
        before, after = _paste(base, shape, color, box), base
    elif change_type == 'color':
        new = [c for c in colors if c != color][rng.integers(len(colors) - 1)]
        before = _paste(base, shape, color, box)
        after = _paste(base, shape, new, box)
        edit.update(old=color, new=new)
    elif change_type == 'move':
        others = [r for r in SCENE_VOCAB.regions if r != region]
        new_region = others[rng.integers(len(others))]
        new_box = _region_box(new_region, size, rng, extent)
        before = _paste(base, shape, color, box)
        after = _paste(base, shape, color, new_box)
        edit.update(new_region=new_region, new_box=new_box)
    elif change_type == 'none':
        # Distractor: a slight brightness change of the whole photo.
        before = base
        gain = 1 + (1 if rng.random() < 0.5 else -1) * rng.uniform(0.06, 0.12)
        arr = np.asarray(base, np.float32) * gain
        after = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        edit.update(distractor='lighting', gain=round(float(gain), 3))
    else:
        raise ValueError(f'unknown real change type {change_type!r}; '
                         f'expected one of {SCENE_VOCAB.real_change_types}')
    return before, after, edit

"""Draw CLEVR-like scenes: grey floor, soft shadows, shaded solids.

Each solid is ray-cast once (orthographic, camera tilted down by
:data:`ELEVATION`) into a shading map per (shape, material, pixel size,
rotation) and cached per process; a draw only tints the cached map with the
object's colour and composites it at the object's perspective-projected
place, far objects first. Rubber is Lambertian (matte); metal mirrors a
sky/floor environment and carries a sharp specular highlight.
"""
import math
from functools import lru_cache

import numpy as np

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary

SCENE_VOCAB = load_scene_vocabulary()

ELEVATION = math.radians(32)
# Towards the key light: above, left and a little in front of the scene.
LIGHT = np.array([-0.55, -0.45, 1.0]) / np.linalg.norm([-0.55, -0.45, 1.0])
SUPERSAMPLE = 3
PX_STEP = 0.5  # sprite sizes are cached in steps of half a pixel
ROT_STEP = 15  # cube rotations are cached in steps of 15 degrees

# Solid dimensions relative to the object's size value (CLEVR scales a cube
# by size / sqrt(2) and a cylinder to height 2 * radius).
CUBE_HALF = 0.8
CYL_RADIUS = 0.85
# (cube half side, cylinder radius) of this renderer's solids; a renderer of
# another world passes its own.
SOLIDS = (CUBE_HALF, CYL_RADIUS)
# Shading per material (``_shade``), as sorted (name, value) pairs so that
# the sprite cache can key on them; a renderer of another world passes its
# own. Rubber: ``ambient + diffuse * lambert``, a faint highlight. Metal:
# mostly the mirrored environment (sky above the horizon, floor below),
# seen along rays tilted by ``tilt`` per size unit off the sprite's centre
# (0: one direction, so a flat face mirrors one colour; more: a gradient
# across it, as a perspective camera sees), a sharp highlight and a rim.
SHADING = (
    ('metal', (('ambient', 0.1), ('band', 0.08), ('diffuse', 0.25),
               ('env', 0.75), ('floor', 0.22), ('fresnel', 0.12),
               ('specular', 1.1), ('tilt', 0.0))),
    ('rubber', (('ambient', 0.28), ('diffuse', 0.8), ('specular', 0.05))),
)


def default_camera():
    """Camera and light of an unchanged view."""
    return dict(dx=0.0, dz=0.0, zoom=1.0, gain=1.0, tint=(1.0, 1.0, 1.0))


def project(x, y, size, cam):
    """Floor point -> (column, row, pixels per scene unit)."""
    d = y + 8.5 + cam['dz']
    f = cam["zoom"] * 1.15 * size / d
    col = size / 2 + f * (x - cam['dx'])
    row = size / 2 + cam['zoom'] * (size * (-0.267 + 6.53 / d) - size / 2)
    return col, row, f


def _view_basis():
    e = ELEVATION
    v = np.array([0.0, math.cos(e), -math.sin(e)])
    u = np.array([1.0, 0.0, 0.0])
    w = np.array([0.0, math.sin(e), math.cos(e)])
    return u, v, w


def _raycast(shape, rot_deg, a, b, solids=SOLIDS):
    """Hit mask and unit normals for rays through image points (a, b).

    The solid has unit size value and stands on the floor at the origin;
    ``solids`` is (cube half side, cylinder radius) in size values.
    """
    u, v, w = _view_basis()
    o = a[..., None] * u + b[..., None] * w - 10.0 * v
    n = np.zeros(o.shape)
    if shape == 'sphere':
        c = np.array([0.0, 0.0, 1.0])
        oc = o - c
        bb = oc @ v
        disc = bb**2 - (np.sum(oc * oc, -1) - 1.0)
        hit = disc > 0
        t = -bb - np.sqrt(np.maximum(disc, 0))
        p = o + t[..., None] * v
        n = p - c
    elif shape == 'cube':
        th = math.radians(rot_deg)
        rot = np.array([[math.cos(th), math.sin(th), 0],
                        [-math.sin(th), math.cos(th), 0], [0, 0, 1]])
        h = solids[0]
        lo = np.array([-h, -h, 0.0])
        hi = np.array([h, h, 2 * h])
        ol, vl = o @ rot.T, rot @ v
        with np.errstate(divide='ignore', invalid='ignore'):
            t1 = (lo - ol) / vl
            t2 = (hi - ol) / vl
        tmin = np.minimum(t1, t2)
        tmax = np.maximum(t1, t2)
        tn = tmin.max(-1)
        hit = tn < tmax.min(-1)
        axis = tmin.argmax(-1)
        nl = np.zeros(o.shape)
        np.put_along_axis(nl, axis[..., None],
                          -np.sign(vl)[axis][..., None], -1)
        n = nl @ rot
    elif shape == 'cylinder':
        r = solids[1]
        top = 2 * r
        # Side: |(o + t v)_xy| = r.
        oxy, vxy = o[..., :2], v[:2]
        qa = vxy @ vxy
        qb = 2 * (oxy @ vxy)
        qc = np.sum(oxy * oxy, -1) - r * r
        disc = qb**2 - 4 * qa * qc
        ts = (-qb - np.sqrt(np.maximum(disc, 0))) / (2 * qa)
        zs = o[..., 2] + ts * v[2]
        side = (disc > 0) & (zs >= 0) & (zs <= top)
        # Top cap: z = top.
        tc = (top - o[..., 2]) / v[2]
        pc = o + tc[..., None] * v
        cap = np.sum(pc[..., :2]**2, -1) <= r * r
        hit = side | cap
        use_cap = cap & (~side | (tc < ts))
        ps = o + ts[..., None] * v
        n[..., 0] = np.where(use_cap, 0, ps[..., 0])
        n[..., 1] = np.where(use_cap, 0, ps[..., 1])
        n[..., 2] = np.where(use_cap, 1, 0)
    else:
        raise ValueError(f'unknown shape {shape!r}; expected one of '
                         f'{SCENE_VOCAB.shapes}')
    n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)
    return hit, n


def _shade(material, n, shading=SHADING, offsets=None):
    """Per-pixel (A, B) so that colour = base * A + B.

    Args:
        material (str): rubber or metal.
        n (ndarray): unit normals ``(..., 3)``.
        shading (tuple): see :data:`SHADING`.
        offsets (ndarray, optional): each pixel's offset from the sprite's
            centre in size units along the image axes ``(..., 2)``, for
            metal's ``tilt``.
    """
    params = dict(shading)
    if material not in params:
        raise ValueError(f'unknown material {material!r}; expected one of '
                         f'{SCENE_VOCAB.materials}')
    k = dict(params[material])
    u, v, w = _view_basis()
    if k.get('tilt') and offsets is not None:
        v = v + k['tilt'] * (offsets[..., :1] * u + offsets[..., 1:] * w)
        v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    diff = np.clip(n @ LIGHT, 0, 1)
    n_v = np.sum(n * v, -1)
    refl = v - 2 * n_v[..., None] * n
    spec_dir = np.clip(refl @ LIGHT, 0, 1)
    if material == 'rubber':
        return (k['ambient'] + k['diffuse'] * diff,
                k['specular'] * spec_dir**6)
    # Environment: bright sky above the horizon, the grey floor below.
    rz = refl[..., 2]
    env = np.where(rz > 0, 0.75 + 0.45 * rz, k['floor'] + 0.1 * (1 + rz))
    fresnel = (1 - np.abs(n_v))**3
    a = k['ambient'] + k['diffuse'] * diff + k['env'] * env
    b = k['specular'] * spec_dir**40 + k['fresnel'] * fresnel + \
        k['band'] * (rz > 0.35)
    return a, b


@lru_cache(maxsize=4096)
def shading_sprite(shape, material, half_px, rot, solids=SOLIDS,
                   shading=SHADING):
    """Cached (A, B, alpha, anchor_row, anchor_col) for one solid.

    Args:
        shape (str): cube, sphere or cylinder.
        material (str): rubber or metal.
        half_px (float): pixels per unit size value.
        rot (int): rotation about the vertical axis in degrees (cubes).
        solids (tuple): cube half side and cylinder radius in size values.
        shading (tuple): shading per material (:data:`SHADING`).
    """
    extent = 1.55  # canvas half extent in size units around the centre
    centre_b = math.cos(ELEVATION)
    n_px = max(int(math.ceil(2 * extent * half_px)), 2)
    ss = SUPERSAMPLE
    grid = (np.arange(n_px * ss) + 0.5) / (n_px * ss)
    a = (grid - 0.5) * 2 * extent * (n_px / (2 * extent * half_px))
    b = centre_b - a  # rows grow downwards
    aa, bb = np.meshgrid(a, b)
    hit, n = _raycast(shape, rot, aa, bb, solids)
    # Each pixel's offset from the sprite's middle, up positive.
    sa, sb = _shade(material, n, shading,
                    np.stack([aa, bb - centre_b], -1))
    sa, sb = sa * hit, sb * hit
    alpha = hit.astype(np.float32)

    def pool(x):
        return x.reshape(n_px, ss, n_px, ss).mean((1, 3)).astype(np.float32)

    # The floor contact point (a=0, b=0) in output pixels.
    anchor_row = (b[0] + 0.5 / (ss * half_px)) * half_px
    anchor_col = n_px / 2
    return pool(sa), pool(sb), pool(alpha), anchor_row, anchor_col


@lru_cache(maxsize=64)
def floor(size):
    """The grey floor (H, W, 3) float32, lit from above."""
    rows = np.linspace(0, 1, size, dtype=np.float32)[:, None]
    cols = np.linspace(-1, 1, size, dtype=np.float32)[None, :]
    shade = 0.40 + 0.12 * rows - 0.05 * cols**2 + 0.03 * (1 - rows) * -cols
    return np.repeat(shade[..., None], 3, -1).astype(np.float32)


def _draw_shadow(img, col, row, half, offset=(0.55, -0.3), radii=(1.25, 0.6),
                 darkness=0.38):
    # Soft ellipse cast away from the light, its centre ``offset`` and its
    # radii ``radii`` object halves from the contact point (default: right
    # and back, up on screen); ``darkness`` at its centre.
    cx, cy = col + offset[0] * half, row + offset[1] * half
    rx, ry = radii[0] * half, radii[1] * half
    h, w = img.shape[:2]
    r0, r1 = max(int(cy - ry - 1), 0), min(int(cy + ry + 2), h)
    c0, c1 = max(int(cx - rx - 1), 0), min(int(cx + rx + 2), w)
    if r0 >= r1 or c0 >= c1:
        return
    yy = (np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5 - cy) / ry
    xx = (np.arange(c0, c1, dtype=np.float32)[None, :] + 0.5 - cx) / rx
    a = np.clip(1 - (xx**2 + yy**2), 0, 1)**1.5 * darkness
    img[r0:r1, c0:c1] *= (1 - a)[..., None]


def _placed_sprite(obj, col, row, f, solids=SOLIDS, shading=SHADING):
    """(A, B, alpha, top, left): the object's cached sprite and the pixel
    of its top-left corner."""
    extent = SCENE_VOCAB.size_values[obj['size']]
    half_px = max(round(f * extent / PX_STEP) * PX_STEP, 1.0)
    rot = int(round(obj.get('rot', 0) / ROT_STEP) * ROT_STEP) % 90 \
        if obj['shape'] == 'cube' else 0
    sa, sb, alpha, ar, ac = shading_sprite(obj['shape'], obj['material'],
                                           half_px, rot, solids, shading)
    return sa, sb, alpha, int(round(row - ar)), int(round(col - ac))


def _draw_sprite(img, obj, col, row, f, solids=SOLIDS, color=None,
                 shading=SHADING):
    # ``color``: the base RGB (0-255) to shade; default the vocabulary's.
    sa, sb, alpha, top, left = _placed_sprite(obj, col, row, f, solids,
                                              shading)
    base = np.asarray(SCENE_VOCAB.colors[obj['color']] if color is None
                      else color, np.float32) / 255.0
    rgb = np.clip(sa[..., None] * base + sb[..., None], 0, 1)
    h, w = img.shape[:2]
    sh, sw = alpha.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + sh, h), min(left + sw, w)
    if r0 >= r1 or c0 >= c1:
        return
    sl = (slice(r0 - top, r1 - top), slice(c0 - left, c1 - left))
    a = alpha[sl][..., None]
    # rgb is already zero outside the solid (premultiplied).
    img[r0:r1, c0:c1] = img[r0:r1, c0:c1] * (1 - a) + rgb[sl]


def render_scene(objects, size, cam=None):
    """Render a scene to an ``(size, size, 3)`` uint8 array.

    Args:
        objects (list[dict]): objects as made by :mod:`.scene`.
        size (int): image side in pixels.
        cam (dict, optional): camera/light from :func:`default_camera`.
    """
    cam = cam or default_camera()
    img = floor(size).copy()
    placed = []
    for obj in objects:
        col, row, f = project(obj['x'], obj['y'], size, cam)
        placed.append((obj['y'], obj, col, row, f))
    placed.sort(key=lambda p: -p[0])
    for _, obj, col, row, f in placed:
        _draw_shadow(img, col, row, f * SCENE_VOCAB.size_values[obj['size']])
    for _, obj, col, row, f in placed:
        _draw_sprite(img, obj, col, row, f)
    img *= np.asarray(cam['tint'], np.float32) * cam['gain']
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def object_box(obj, size, cam=None):
    """Where ``obj`` is drawn: its solid's bounding box (shadow excluded,
    nearer objects that may hide part of it ignored), clipped to the image.

    Args:
        obj (dict): an object as made by :mod:`.scene`.
        size (int): image side in pixels.
        cam (dict, optional): camera from :func:`default_camera`.

    Returns:
        list[float] | None: ``[x0, y0, x1, y1]`` as fractions of the image
        side (0 = left/top edge, 1 = right/bottom edge), rounded to 4
        decimals; None when the object is out of view.
    """
    col, row, f = project(obj['x'], obj['y'], size, cam or default_camera())
    _, _, alpha, top, left = _placed_sprite(obj, col, row, f)
    rows = np.flatnonzero(alpha.max(1) > 0.05)
    cols = np.flatnonzero(alpha.max(0) > 0.05)
    if not len(rows):
        return None
    x0, x1 = left + cols[0], left + cols[-1] + 1
    y0, y1 = top + rows[0], top + rows[-1] + 1
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, size), min(y1, size)
    if x0 >= x1 or y0 >= y1:
        return None
    return [round(float(v) / size, 4) for v in (x0, y0, x1, y1)]


def distractor_camera(kind, rng):
    """A camera that differs from :func:`default_camera` by a small
    viewpoint, scale or lighting change."""
    cam = default_camera()
    sign = 1 if rng.random() < 0.5 else -1
    if kind == 'viewpoint':
        cam['dx'] = sign * float(rng.uniform(0.2, 0.4))
        cam['dz'] = float(rng.uniform(-0.3, 0.3))
    elif kind == 'scale':
        cam['zoom'] = 1 + sign * float(rng.uniform(0.05, 0.09))
    elif kind == 'lighting':
        cam['gain'] = 1 + sign * float(rng.uniform(0.08, 0.15))
        warm = float(rng.uniform(-0.04, 0.04))
        cam['tint'] = (1 + warm, 1.0, 1 - warm)
    else:
        raise ValueError(f'unknown distractor {kind!r}; expected one of '
                         f'{SCENE_VOCAB.distractors}')
    return cam

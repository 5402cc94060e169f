"""Draw a CLEVR-Change triplet (:mod:`onediff_data.clevr_render.scene`)
fast, through CLEVR's own camera and lights.

The same scene description that Blender renders: CLEVR's perspective
camera (35 mm lens on a 32 mm sensor, aimed at the origin from the base
scene's place plus the view's jitter), a 3:2 frame, CLEVR's sizes and
colours, the shaded solids of :mod:`.render` (matte rubber, mirror-like
metal) scaled by their depth, and soft contact shadows cast away from the
jittered key light, whose distance also sets the brightness.
"""
import math

import numpy as np

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary

from . import render

SCENE_VOCAB = load_scene_vocabulary()

# CLEVR's base_scene.blend: where the camera and the key light stand before
# jitter, and the camera's lens.
CAMERA_HOME = np.array([7.4811, -6.5076, 5.3437])
KEY_HOME = np.array([6.447, -2.905, 4.258])
LENS_MM, SENSOR_MM = 35.0, 32.0
# Floor brightness of Blender's renders of CLEVR (0-1, front to back).
FLOOR_NEAR, FLOOR_FAR = 0.56, 0.41
# Share of the image's brightness that follows the key light's distance.
KEY_WEIGHT = 0.1
# CLEVR's solids in size values: a cube scaled by size / sqrt(2), a
# cylinder of radius size (and height 2 * size).
SOLIDS = (1 / math.sqrt(2), 1.0)
# Contact shadows in object halves: centre offset along the direction away
# from the key light (columns, rows), radii, darkness at the centre; from
# Blender renders of the same scenes (bench.bench_clevr_change_stats).
SHADOW = dict(offset=(0.9, 0.5), radii=(1.6, 0.8), darkness=0.45)
# Shading per material (render.SHADING's keys): CLEVR's rubber is softly
# lit (little contrast between a cube's faces); its metal mirrors the lit
# floor and the sky, with a gradient across each face.
SHADING = (
    ('metal', (('ambient', 0.0), ('band', 0.08), ('diffuse', 0.15),
               ('env', 0.8), ('floor', 0.45), ('fresnel', 0.15),
               ('specular', 1.1), ('tilt', 0.5))),
    ('rubber', (('ambient', 0.5), ('diffuse', 0.5), ('specular', 0.05))),
)
# Base colours per material and colour, so that a drawn object has the
# colour Blender gives it (CLEVR's rubber and metal shaders lighten and
# desaturate properties.json's colours); `python -m
# bench.bench_clevr_change_stats --calibrate` measures them.
BASE_COLORS = {
    'metal': dict(
        gray=(109, 106, 103), red=(161, 64, 63), blue=(70, 98, 170),
        green=(51, 116, 37), brown=(135, 96, 46), purple=(115, 54, 138),
        cyan=(73, 175, 171), yellow=(197, 190, 79)),
    'rubber': dict(
        gray=(113, 112, 109), red=(156, 71, 69), blue=(77, 102, 167),
        green=(66, 123, 52), brown=(139, 105, 59), purple=(141, 76, 163),
        cyan=(81, 173, 169), yellow=(190, 181, 85)),
}


def camera(view):
    """``(location, right, up, forward)`` of the view's camera, aimed at
    the origin as the base scene's Track To constraint aims it."""
    loc = CAMERA_HOME + np.asarray(view['camera'], float)
    fwd = -loc / np.linalg.norm(loc)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    return loc, right, np.cross(right, fwd), fwd


def project(points, cam, size):
    """World points ``(..., 3)`` -> pixel columns, rows and depths."""
    loc, right, up, fwd = cam
    width, height = size
    rel = np.asarray(points, float) - loc
    depth = rel @ fwd
    focal = LENS_MM / SENSOR_MM * max(width, height)
    return (width / 2 + focal * (rel @ right) / depth,
            height / 2 - focal * (rel @ up) / depth, depth, focal)


def _floor(size):
    width, height = size
    rows = np.linspace(FLOOR_FAR, FLOOR_NEAR, height, dtype=np.float32)
    return np.repeat(rows[:, None], width, 1)[..., None].repeat(3, -1)


def render_view(objects, view, size=(480, 320)):
    """One image of a triplet as an ``(H, W, 3)`` uint8 array.

    Args:
        objects (list[dict]): the image's objects (``shape``, ``color``,
            ``material``, ``size``, ``x``, ``y``, ``rot``).
        view (dict): ``camera`` and ``key`` offsets (the other lights are
            not drawn).
        size (tuple[int]): width, height.
    """
    cam = camera(view)
    key = KEY_HOME + np.asarray(view['key'], float)
    # Inverse square falloff of the key light at the scene's centre, damped:
    # the fill and back lights and the sky keep the scene lit in Blender.
    falloff = float(np.clip((KEY_HOME @ KEY_HOME) / (key @ key), 0.5, 2.0))
    key_gain = 1.0 + KEY_WEIGHT * (falloff - 1.0)
    img = _floor(size)
    placed = []
    for obj in objects:
        col, row, depth, focal = project([obj['x'], obj['y'], 0.0], cam,
                                         size)
        placed.append((depth, obj, col, row, focal / depth))
    placed.sort(key=lambda p: -p[0])
    kx, ky, _ = project(key * [1, 1, 0], cam, size)[:3]
    for _, obj, col, row, f in placed:
        away = np.array([col - kx, row - ky])
        away /= max(np.linalg.norm(away), 1e-6)
        render._draw_shadow(
            img, col, row, f * SCENE_VOCAB.size_values[obj['size']],
            offset=tuple(np.multiply(SHADOW['offset'], away)),
            radii=SHADOW['radii'], darkness=SHADOW['darkness'])
    for _, obj, col, row, f in placed:
        render._draw_sprite(img, dict(obj, rot=obj['rot'] % 90), col, row,
                            f, solids=SOLIDS, shading=SHADING,
                            color=BASE_COLORS.get(obj['material'], {}).get(
                                obj['color']))
    img *= key_gain
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def render_triplet(triplet, size=(480, 320)):
    """``{image: uint8 array}`` for ``before``, ``semantic`` and
    ``nonsemantic``."""
    return {name: render_view(triplet['objects'][name],
                              triplet['views'][name], size)
            for name in triplet['objects']}


def pixel_coords(obj, view, size):
    """Where Blender puts the object's centre (for tests): column, row."""
    z = SCENE_VOCAB.size_values[obj['size']] / (math.sqrt(2) if obj['shape'] ==
                                      'cube' else 1)
    col, row, _, _ = project([obj['x'], obj['y'], z], camera(view), size)
    return float(col), float(row)


def object_box(obj, view, size):
    """The object's box ``[x0, y0, x1, y1]`` as fractions of the frame:
    the corners of its bounding block projected (as the Blender renderer's
    ``bbox``), clipped; None when it is out of view."""
    r = SCENE_VOCAB.size_values[obj['size']]
    corners = [[obj['x'] + dx, obj['y'] + dy, z] for dx in (-r, r)
               for dy in (-r, r) for z in (0.0, 2 * r)]
    cols, rows, _, _ = project(corners, camera(view), size)
    width, height = size
    x0, x1 = max(cols.min(), 0) / width, min(cols.max(), width) / width
    y0, y1 = max(rows.min(), 0) / height, min(rows.max(), height) / height
    if x0 >= x1 or y0 >= y1:
        return None
    return [round(float(v), 4) for v in (x0, y0, x1, y1)]

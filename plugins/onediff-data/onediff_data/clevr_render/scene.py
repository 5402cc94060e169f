"""CLEVR-Change triplets as plain data: CLEVR's scene rules, one change,
camera and light jitter.

A triplet is one dict that both renderers take (Blender here, the fast
renderer of :mod:`onediff_data.synth`). Objects are dicts with ``shape``,
``color``, ``material``, ``size`` (names from CLEVR's properties.json), the
place on the floor ``x``, ``y`` (CLEVR's scene units, within [-3, 3]) and
``rot`` (degrees about the vertical). A view is the camera's and each
light's offset from their places in CLEVR's base scene. The three images
of a triplet are ``before``, ``semantic`` (one change plus its own jitter)
and ``nonsemantic`` (jitter only), as in CLEVR-Change.
"""
import math

import numpy as np

CHANGE_TYPES = ('color', 'material', 'add', 'drop', 'move')
IMAGES = ('before', 'semantic', 'nonsemantic')
LIGHTS = ('key', 'fill', 'back')

# Unit vectors on the floor seen from the base scene's camera (its view
# direction and left axis projected on the floor); CLEVR's margin rule and
# the captions' left/right/front/behind use them.
BEHIND = (-0.7544, 0.6563)
LEFT = (-0.6563, -0.7545)
DIRECTIONS = {
    'behind': BEHIND,
    'front': (-BEHIND[0], -BEHIND[1]),
    'left': LEFT,
    'right': (-LEFT[0], -LEFT[1]),
}


class SceneRules:
    """CLEVR's placement rules (clevr-dataset-gen ``render_images.py``
    defaults) and CLEVR-Change's jitter.

    Args:
        properties (dict): CLEVR's properties.json (shapes, colors,
            materials, sizes).
        min_objects (int): fewest objects in the before scene. Defaults
            to 3.
        max_objects (int): most objects in any scene. Defaults to 10.
        extent (float): objects are placed in [-extent, extent]^2.
            Defaults to 3.
        min_dist (float): least gap between two objects' footprints.
            Defaults to 0.25.
        margin (float): least offset between two objects along each of
            left/right/front/behind, so relations are unambiguous.
            Defaults to 0.4.
        max_retries (int): placements tried per object before the scene is
            restarted. Defaults to 50.
        min_move (float): least distance a moved object travels. Defaults
            to 1.0.
        camera_jitter (float): CLEVR's jitter of the before image's camera,
            uniform in +-camera_jitter per axis. Defaults to 0.5.
        light_jitter (float): CLEVR's jitter of each light of the before
            image, per axis. Defaults to 1.0.
        view_camera_jitter (float): extra camera jitter of both after
            images against the before image, per axis. Defaults to 1.6,
            set from the release's before/after pixel statistics
            (docs/clevr_render.md).
        view_light_jitter (float): extra light jitter of both after
            images, per axis. Defaults to 2.0.
        split_fractions (tuple[float]): train/val/test shares (the
            release's 33,830 / 1,988 / 3,985). Defaults to (0.85, 0.05,
            0.10).
    """

    def __init__(self,
                 properties,
                 min_objects=3,
                 max_objects=10,
                 extent=3.0,
                 min_dist=0.25,
                 margin=0.4,
                 max_retries=50,
                 min_move=1.0,
                 camera_jitter=0.5,
                 light_jitter=1.0,
                 view_camera_jitter=1.6,
                 view_light_jitter=2.0,
                 split_fractions=(0.85, 0.05, 0.10)):
        for key in ('shapes', 'colors', 'materials', 'sizes'):
            if not properties.get(key):
                raise KeyError(f'properties.json: no "{key}"')
        self.properties = properties
        self.min_objects = min_objects
        self.max_objects = max_objects
        self.extent = extent
        self.min_dist = min_dist
        self.margin = margin
        self.max_retries = max_retries
        self.min_move = min_move
        self.camera_jitter = camera_jitter
        self.light_jitter = light_jitter
        self.view_camera_jitter = view_camera_jitter
        self.view_light_jitter = view_light_jitter
        self.split_fractions = split_fractions

    # -- objects --------------------------------------------------------
    def _choice(self, rng, key):
        names = sorted(self.properties[key])
        return names[int(rng.integers(len(names)))]

    def random_object(self, rng):
        return dict(
            shape=self._choice(rng, 'shapes'),
            color=self._choice(rng, 'colors'),
            material=self._choice(rng, 'materials'),
            size=self._choice(rng, 'sizes'),
            rot=round(float(rng.uniform(0, 360)), 2))

    def radius(self, obj):
        """Footprint radius; CLEVR scales cubes by 1/sqrt(2) so their
        corners stay within it."""
        r = float(self.properties['sizes'][obj['size']])
        return r / math.sqrt(2) if obj['shape'] == 'cube' else r

    def fits(self, obj, x, y, others):
        """CLEVR's two checks against every placed object."""
        r = self.radius(obj)
        for other in others:
            dx, dy = x - other['x'], y - other['y']
            if math.hypot(dx, dy) - r - self.radius(other) < self.min_dist:
                return False
            for vx, vy in DIRECTIONS.values():
                if 0 < dx * vx + dy * vy < self.margin:
                    return False
        return True

    def place(self, obj, others, rng, away_from=None):
        """Give ``obj`` a free ``x``, ``y``; False after ``max_retries``."""
        for _ in range(self.max_retries):
            x, y = (float(v) for v in rng.uniform(-self.extent, self.extent,
                                                  size=2))
            if away_from is not None and math.hypot(
                    x - away_from[0], y - away_from[1]) < self.min_move:
                continue
            if self.fits(obj, x, y, others):
                obj['x'], obj['y'] = round(x, 4), round(y, 4)
                return True
        return False

    def sample_objects(self, rng, num):
        """``num`` objects under CLEVR's rules (restarts a crowded scene,
        as CLEVR does)."""
        while True:
            objects = []
            for _ in range(num):
                obj = self.random_object(rng)
                if not self.place(obj, objects, rng):
                    break
                objects.append(obj)
            if len(objects) == num:
                return objects

    # -- views ----------------------------------------------------------
    def _offset(self, rng, size):
        return [round(float(v), 4) for v in rng.uniform(-size, size, 3)]

    def jittered(self, rng, view, camera, light):
        """``view`` moved by a further uniform jitter."""
        out = dict(camera=[round(a + b, 4) for a, b in zip(
            view['camera'], self._offset(rng, camera))])
        for name in LIGHTS:
            out[name] = [round(a + b, 4) for a, b in zip(
                view[name], self._offset(rng, light))]
        return out

    # -- the triplet ----------------------------------------------------
    def change(self, rng, change_type, before):
        """``(after objects, change truth)`` for one change of
        ``change_type``; None when a move finds no free place."""
        after = [dict(o) for o in before]
        truth = dict(type=change_type, index_before=None, index_after=None,
                     old=None, new=None, direction=None)
        if change_type == 'add':
            while True:
                obj = self.random_object(rng)
                if self.place(obj, before, rng):
                    break
            after.append(obj)
            truth.update(index_after=len(after) - 1, object=dict(obj))
            return after, truth
        i = int(rng.integers(len(before)))
        truth.update(index_before=i, object=dict(before[i]))
        if change_type == 'drop':
            del after[i]
            return after, truth
        truth['index_after'] = i
        if change_type in ('color', 'material'):
            key = change_type + 's'
            choices = sorted(set(self.properties[key]) - {before[i][
                change_type]})
            new = choices[int(rng.integers(len(choices)))]
            after[i][change_type] = new
            truth.update(old=before[i][change_type], new=new)
        elif change_type == 'move':
            others = before[:i] + before[i + 1:]
            if not self.place(after[i], others, rng,
                              away_from=(before[i]['x'], before[i]['y'])):
                return None
            dx = after[i]['x'] - before[i]['x']
            dy = after[i]['y'] - before[i]['y']
            truth.update(old=[before[i]['x'], before[i]['y']],
                         new=[after[i]['x'], after[i]['y']],
                         direction=max(DIRECTIONS, key=lambda d: dx * (
                             DIRECTIONS[d][0]) + dy * DIRECTIONS[d][1]))
        else:
            raise ValueError(f'unknown change type {change_type!r}; '
                             f'expected one of {CHANGE_TYPES}')
        return after, truth

    def split_of(self, index, seed):
        u = np.random.default_rng([seed, index, 1 << 20]).random()
        train, val, _ = self.split_fractions
        return 'train' if u < train else 'val' if u < train + val else 'test'

    def triplet(self, index, seed=0, attempt=0):
        """The triplet ``index`` of the data set of ``seed``.

        It depends on ``(seed, index, attempt)`` alone, so any shard or
        worker makes the same one. ``attempt`` counts the samples the
        renderer rejected (an object hidden in one of the images).

        Returns:
            dict: ``index``, ``seed``, ``attempt``, ``split``,
            ``change_type`` (``index`` modulo the five types, so every
            type has the same share), ``objects`` and ``views`` (image ->
            objects / view) and ``change`` (``type``, ``index_before`` /
            ``index_after`` of the changed object, ``object`` its
            attributes before the change, after it for ``add``, ``old`` /
            ``new`` values and the ``direction`` of a move).
        """
        rng = np.random.default_rng([seed, index, attempt])
        change_type = CHANGE_TYPES[index % len(CHANGE_TYPES)]
        lo = self.min_objects + (change_type == 'drop')
        hi = self.max_objects - (change_type == 'add')
        changed = None
        while changed is None:
            before = self.sample_objects(rng, int(rng.integers(lo, hi + 1)))
            changed = self.change(rng, change_type, before)
        after, truth = changed
        base = dict(camera=[0.0] * 3, **{n: [0.0] * 3 for n in LIGHTS})
        view = self.jittered(rng, base, self.camera_jitter,
                             self.light_jitter)
        views = dict(before=view)
        for image in IMAGES[1:]:
            views[image] = self.jittered(rng, view, self.view_camera_jitter,
                                         self.view_light_jitter)
        return dict(
            index=index, seed=seed, attempt=attempt,
            split=self.split_of(index, seed), change_type=change_type,
            objects=dict(before=before, semantic=after,
                         nonsemantic=[dict(o) for o in before]),
            views=views, change=truth)

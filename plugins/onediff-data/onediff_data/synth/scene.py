"""Sample CLEVR-like scenes and apply exactly one change to them.

A scene is a list of objects, each a dict with ``shape``, ``color``,
``material``, ``size`` and its place on the floor ``x``, ``y`` (scene
units, within [-2.8, 2.8], ``y`` grows away from the camera) plus a rotation
``rot`` in degrees. Everything here is plain data; drawing is in :mod:`.render`.
"""
import math

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary

SCENE_VOCAB = load_scene_vocabulary()

EXTENT = 2.8
# Gap kept between two objects' footprints.
MARGIN = 0.25
MIN_MOVE = 1.5


def _pick(rng, values):
    values = list(values)
    return values[rng.integers(len(values))]


def _attrs(rng):
    return dict(
        shape=_pick(rng, SCENE_VOCAB.shapes),
        color=_pick(rng, SCENE_VOCAB.colors),
        material=_pick(rng, SCENE_VOCAB.materials),
        size=_pick(rng, SCENE_VOCAB.sizes))


def _fits(obj, x, y, others):
    r = SCENE_VOCAB.size_values[obj['size']] * 1.15
    for o in others:
        ro = SCENE_VOCAB.size_values[o['size']] * 1.15
        if math.hypot(o['x'] - x, o['y'] - y) < r + ro + MARGIN:
            return False
    return True


def place(obj, others, rng, tries=200, away_from=None):
    """Give ``obj`` a free position; ``False`` if none was found.

    Args:
        obj (dict): the object (its size sets its footprint).
        others (list[dict]): objects already placed.
        rng (numpy.random.Generator): randomness.
        tries (int): rejection-sampling attempts.
        away_from (tuple, optional): (x, y) the new place must be at least
            :data:`MIN_MOVE` from (a move).
    """
    r = SCENE_VOCAB.size_values[obj['size']]
    for _ in range(tries):
        x, y = rng.uniform(-EXTENT + r, EXTENT - r, size=2)
        if away_from is not None and math.hypot(
                x - away_from[0], y - away_from[1]) < MIN_MOVE:
            continue
        if _fits(obj, x, y, others):
            obj['x'], obj['y'] = round(float(x), 3), round(float(y), 3)
            return True
    return False


def sample_scene(rng, num_objects):
    """A scene of ``num_objects`` non-overlapping random objects."""
    while True:
        objects = []
        for _ in range(num_objects):
            obj = _attrs(rng)
            obj['rot'] = round(float(rng.uniform(0, 90)), 1)
            if not place(obj, objects, rng):
                break
            objects.append(obj)
        if len(objects) == num_objects:
            return objects


def _direction(dx, dy):
    if abs(dx) >= abs(dy):
        return 'right' if dx > 0 else 'left'
    return 'back' if dy > 0 else 'front'


def make_change(rng, change_type, min_objects=3, max_objects=8):
    """Sample a before scene and apply one change of ``change_type``.

    Args:
        rng (numpy.random.Generator): randomness.
        change_type (str): one of the scene vocabulary's ``change_types``.
        min_objects, max_objects (int): object count range of either scene.

    Returns:
        dict: ``objects_before``, ``objects_after``, ``change_type``,
        ``changed_index`` (into before, or into after for ``add``; ``None``
        for ``none``), ``changed_object`` (its attributes before the change,
        after for ``add``), ``old``/``new`` (the changed value), and for
        ``move`` the ``direction``, for ``none`` the ``distractor``.
    """
    lo = min_objects + (1 if change_type == 'drop' else 0)
    hi = max_objects - (1 if change_type == 'add' else 0)
    before = sample_scene(rng, int(rng.integers(lo, hi + 1)))
    after = [dict(o) for o in before]
    out = dict(change_type=change_type, changed_index=None,
               changed_object=None, old=None, new=None)
    if change_type == 'none':
        out['distractor'] = _pick(rng, SCENE_VOCAB.distractors)
    elif change_type == 'add':
        while True:
            obj = _attrs(rng)
            obj['rot'] = round(float(rng.uniform(0, 90)), 1)
            if place(obj, before, rng):
                break
        after.append(obj)
        out.update(changed_index=len(after) - 1, changed_object=dict(obj))
    else:
        i = int(rng.integers(len(before)))
        out.update(changed_index=i, changed_object=dict(before[i]))
        if change_type == 'drop':
            del after[i]
        elif change_type in ('color', 'material'):
            key = change_type
            choices = list(SCENE_VOCAB.colors if key == 'color' else
                           SCENE_VOCAB.materials)
            choices.remove(before[i][key])
            new = choices[rng.integers(len(choices))]
            after[i][key] = new
            out.update(old=before[i][key], new=new)
        elif change_type == 'move':
            others = before[:i] + before[i + 1:]
            moved = dict(before[i])
            if not place(moved, others, rng,
                         away_from=(before[i]['x'], before[i]['y'])):
                # Crowded scene: resample the whole pair.
                return make_change(rng, change_type, min_objects, max_objects)
            after[i] = moved
            dx, dy = moved['x'] - before[i]['x'], moved['y'] - before[i]['y']
            out.update(
                old=[before[i]['x'], before[i]['y']],
                new=[moved['x'], moved['y']],
                direction=_direction(dx, dy))
        else:
            raise ValueError(f'unknown change type {change_type!r}; expected '
                             f'one of {SCENE_VOCAB.change_types}')
    out['objects_before'] = before
    out['objects_after'] = after
    return out


def derive_change(objects_before, objects_after):
    """Re-derive (change_type, index, old, new) by comparing two scenes.

    Used by tests to check that the stored change agrees with the scenes.
    """
    keys = ('shape', 'color', 'material', 'size')
    if len(objects_after) == len(objects_before) + 1:
        return 'add', len(objects_after) - 1, None, None
    if len(objects_after) == len(objects_before) - 1:
        for i, o in enumerate(objects_before):
            if i >= len(objects_after) or objects_after[i] != o:
                return 'drop', i, None, None
    diffs = []
    for i, (a, b) in enumerate(zip(objects_before, objects_after)):
        for k in keys:
            if a[k] != b[k]:
                diffs.append((k, i, a[k], b[k]))
        if (a['x'], a['y']) != (b['x'], b['y']):
            diffs.append(('move', i, [a['x'], a['y']], [b['x'], b['y']]))
    if not diffs:
        return 'none', None, None, None
    if len(diffs) > 1:
        raise ValueError(f'more than one change: {diffs}')
    return diffs[0]

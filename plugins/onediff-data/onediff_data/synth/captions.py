"""Reference captions from the scene truth, with templates from
:mod:`.vocabulary`."""
from onediff_kit.data import scene_vocabulary as V


def object_phrase(obj, form):
    """Fill one of :data:`V.OBJECT_PHRASES` with an object."""
    return form.format(**obj)


def change_captions(change, rng, num=5):
    """``num`` distinct captions for a change made by
    :func:`.scene.make_change`."""
    kind = change['change_type']
    templates = list(V.CHANGE_TEMPLATES[kind])
    order = rng.permutation(len(templates))
    caps, seen = [], set()
    i = 0
    while len(caps) < num and i < 4 * num * len(templates):
        tpl = templates[order[i % len(templates)]]
        i += 1
        fields = {}
        if kind != 'none':
            obj = dict(change['changed_object'])
            forms = V.OBJECT_PHRASES
            if kind in ('color', 'material'):
                if '{old}' in tpl:
                    # 'the color of the red cube changed from red to blue'
                    # reads badly: leave the changed attribute out.
                    forms = [f for f in forms if '{%s}' % kind not in f]
                else:
                    # Name the old value so the caption says what changed.
                    forms = [f for f in forms if '{%s}' % kind in f]
            form = forms[rng.integers(len(forms))]
            fields = dict(
                obj=object_phrase(obj, form),
                old=change.get('old'),
                new=change.get('new'),
                direction=change.get('direction'))
        cap = tpl.format(**fields)
        if cap not in seen:
            seen.add(cap)
            caps.append(cap)
    return caps


def _join(items):
    if len(items) == 1:
        return items[0]
    return ', '.join(items[:-1]) + ' and ' + items[-1]


def scene_captions(objects, rng, num=5):
    """``num`` distinct captions listing every object of one scene."""
    left_to_right = sorted(objects, key=lambda o: o['x'])
    caps, seen = [], set()
    order = rng.permutation(len(V.SCENE_TEMPLATES))
    for k in range(4 * num):
        tpl = V.SCENE_TEMPLATES[order[k % len(order)]]
        form = V.OBJECT_PHRASES[0] if k < len(order) else \
            V.OBJECT_PHRASES[rng.integers(len(V.OBJECT_PHRASES))]
        objs = left_to_right if 'left to right' in tpl else [
            objects[j] for j in rng.permutation(len(objects))
        ]
        listed = _join(['a ' + object_phrase(o, form) for o in objs])
        cap = tpl.format(
            objects=listed, count=V.NUMBER_WORDS[len(objects)])
        if cap not in seen:
            seen.add(cap)
            caps.append(cap)
        if len(caps) == num:
            break
    return caps


def real_captions(edit, rng, num=5):
    """``num`` captions for a real-photo edit (:mod:`.real_edit`)."""
    templates = list(V.REAL_TEMPLATES[edit['change_type']])
    order = rng.permutation(len(templates))[:num]
    return [templates[i].format(**edit) for i in order]

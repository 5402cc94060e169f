"""Reference captions from the scene truth, with the templates of the
scene vocabulary (:mod:`onediff_kit.data.scene_vocabulary`)."""
from onediff_kit.data.scene_vocabulary import load_scene_vocabulary

SCENE_VOCAB = load_scene_vocabulary()


def object_phrase(obj, form):
    """Fill one of the scene vocabulary's ``object_phrases`` with an object."""
    return form.format(**obj)


def change_captions(change, rng, num=5):
    """``num`` distinct captions for a change made by
    :func:`.scene.make_change`."""
    kind = change['change_type']
    templates = list(SCENE_VOCAB.change_templates[kind])
    order = rng.permutation(len(templates))
    caps, seen = [], set()
    i = 0
    while len(caps) < num and i < 4 * num * len(templates):
        tpl = templates[order[i % len(templates)]]
        i += 1
        fields = {}
        if kind != 'none':
            obj = dict(change['changed_object'])
            forms = SCENE_VOCAB.object_phrases
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
    order = rng.permutation(len(SCENE_VOCAB.scene_templates))
    for k in range(4 * num):
        tpl = SCENE_VOCAB.scene_templates[order[k % len(order)]]
        forms = SCENE_VOCAB.object_phrases
        form = forms[0] if k < len(order) else \
            forms[rng.integers(len(forms))]
        objs = left_to_right if 'left to right' in tpl else [
            objects[j] for j in rng.permutation(len(objects))
        ]
        listed = _join(['a ' + object_phrase(o, form) for o in objs])
        cap = tpl.format(
            objects=listed, count=SCENE_VOCAB.number_words[len(objects)])
        if cap not in seen:
            seen.add(cap)
            caps.append(cap)
        if len(caps) == num:
            break
    return caps


def real_captions(edit, rng, num=5):
    """``num`` captions for a real-photo edit (:mod:`.real_edit`)."""
    templates = list(SCENE_VOCAB.real_templates[edit['change_type']])
    order = rng.permutation(len(templates))[:num]
    return [templates[i].format(**edit) for i in order]

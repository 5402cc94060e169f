"""CLEVR-Change's release layout: file names, captions and the index files
(``change_captions.json``, ``no_change_captions.json``, ``splits.json``,
``type_mapping.json``) rebuilt from the triplets on disk."""
import json
import os
from pathlib import Path

import numpy as np

# image -> (image folder, scene folder, file stem)
LAYOUT = {
    'before': ('images', 'scenes', 'CLEVR_default_%06d'),
    'semantic': ('sc_images', 'sc_scenes', 'CLEVR_semantic_%06d'),
    'nonsemantic': ('nsc_images', 'nsc_scenes', 'CLEVR_nonsemantic_%06d'),
}
# The triplet description (:mod:`.scene`) with its captions, written last.
TRIPLETS = ('triplets', 'CLEVR_triplet_%06d')


def paths(out, index):
    """``{image: {'image': png, 'scene': json}}`` of triplet ``index``."""
    out = Path(out)
    return {
        name: dict(image=str(out / img / (stem % index + '.png')),
                   scene=str(out / scn / (stem % index + '.json')))
        for name, (img, scn, stem) in LAYOUT.items()
    }


def triplet_path(out, index):
    return Path(out) / TRIPLETS[0] / (TRIPLETS[1] % index + '.json')


def is_done(out, index):
    """All three images, their scene files and the triplet file exist (the
    triplet file is written after the others)."""
    return triplet_path(out, index).is_file() and all(
        os.path.isfile(p) for image in paths(out, index).values()
        for p in image.values())


def write_json(path, data):
    """Write to a temporary file, then rename: no half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process: shards may rebuild the index at once.
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def captions(triplet, num=5):
    """``(change captions, no-change captions)`` in the words of
    :mod:`onediff_kit.data.scene_vocabulary`, so the semantic metric parses
    them."""
    # Imported here: the synth package imports this module.
    from ..synth.captions import change_captions
    rng = np.random.default_rng([triplet['seed'], triplet['index'], 7])
    truth = triplet['change']
    obj = dict(truth['object'])
    direction = {'behind': 'back'}.get(truth['direction'],
                                       truth['direction'])
    change = dict(change_type=truth['type'], changed_object=obj,
                  old=truth['old'], new=truth['new'], direction=direction)
    return (change_captions(change, rng, num),
            change_captions(dict(change_type='none'), rng, num))


def write_index(out):
    """Rebuild the four index files from every finished triplet under
    ``out``. Returns the number of triplets indexed."""
    out = Path(out)
    change, no_change = {}, {}
    splits = dict(train=[], val=[], test=[])
    types = {}
    folder = out / TRIPLETS[0]
    files = sorted(folder.glob('*.json')) if folder.is_dir() else []
    for file in files:
        triplet = json.loads(file.read_text())
        index = triplet['index']
        if not is_done(out, index):
            continue
        key = LAYOUT['before'][2] % index + '.png'
        change[key] = triplet['captions']['change']
        no_change[key] = triplet['captions']['no_change']
        splits[triplet['split']].append(index)
        types.setdefault(triplet['change_type'], []).append(
            '%06d.png' % index)
    write_json(out / 'change_captions.json', change)
    write_json(out / 'no_change_captions.json', no_change)
    write_json(out / 'splits.json', splits)
    write_json(out / 'type_mapping.json', types)
    return len(change)


def scene_truth(root, index):
    """``meta`` of the semantic pair of a rendered triplet, as the
    synthetic generator writes it (``changed_object``, ``new``,
    ``box_before`` / ``box_after`` as fractions of the frame, None where
    the object is absent); None where ``root`` holds no triplet file for
    ``index`` (the downloaded release)."""
    file = triplet_path(root, index)
    if not file.is_file():
        return None
    truth = json.loads(file.read_text())['change']
    meta = dict(changed_object={k: truth['object'][k] for k in (
        'shape', 'color', 'material', 'size')},
                new=truth['new'] if isinstance(truth['new'], str) else None,
                box_before=None, box_after=None)
    for image, key, box in (('before', 'index_before', 'box_before'),
                            ('semantic', 'index_after', 'box_after')):
        if truth[key] is None:
            continue
        scene = json.loads(Path(paths(root, index)[image]['scene'])
                           .read_text())
        width, height = scene['image_size']
        x0, y0, x1, y1 = scene['objects'][truth[key]]['bbox']
        meta[box] = [round(x0 / width, 4), round(y0 / height, 4),
                     round(x1 / width, 4), round(y1 / height, 4)]
    return meta

"""Tiny copies of the five benchmarks in their upstream on-disk layout.

Each builder writes the annotation files under the upstream names and
formats (see the importers' docstrings in plugins/onediff-data) and copies
images of the project's synthetic generator under the upstream image
names. Spot-the-Diff and Image-Editing-Request use a few dozen real entries
of ../shared/data. A builder returns the ``onediff data import`` arguments.
"""
import csv
import itertools
import json
import shutil
from pathlib import Path

from PIL import Image


class SynthPairs:
    """Cycles through the generated pairs, by change type if asked."""

    def __init__(self, root):
        self.root = Path(root)
        with open(self.root / 'manifest.jsonl', encoding='utf-8') as f:
            self.records = [json.loads(line) for line in f if line.strip()]
        self._all = itertools.cycle(self.records)
        self._by_type = {}

    def take(self, change_type=None):
        if change_type is None:
            return next(self._all)
        if change_type not in self._by_type:
            self._by_type[change_type] = itertools.cycle(
                [r for r in self.records if r['change_type'] == change_type])
        return next(self._by_type[change_type])

    def copy(self, rel, dst):
        """Write the image ``rel`` to ``dst`` (JPEG where the name says so).
        """
        dst = Path(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.suffix.lower() in ('.jpg', '.jpeg'):
            Image.open(self.root / rel).convert('RGB').save(dst, 'JPEG')
        else:
            shutil.copyfile(self.root / rel, dst)


def _dump(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1), encoding='utf-8')


def _real_entries(path, first, also=()):
    """The first ``first`` entries of a real file plus the entries of the
    ids in ``also`` (wherever they are)."""
    entries = json.loads(Path(path).read_text(encoding='utf-8'))
    keep = entries[:first]
    keep += [e for e in entries[first:] if e.get('img_id') in also]
    return keep


def spot_the_diff(shared, synth, root):
    """harsh19/spot-the-diff: data/annotations/{train,val,test}.json and
    resized_images/<img_id>.png, <img_id>_2.png. Real entries, including
    img_ids with several entries (merged by the importer) and a test pair
    whose only sentence is empty upstream."""
    ann = root / 'data' / 'annotations'
    picks = dict(train=(12, ('126', )), val=(5, ('9024', )),
                 test=(5, ('138', '9420')))
    for split, (first, also) in picks.items():
        entries = _real_entries(shared / 'spot-the-diff' / f'{split}.json',
                                first, also)
        _dump(ann / f'{split}.json', entries)
        for img_id in dict.fromkeys(e['img_id'] for e in entries):
            pair = synth.take()
            images = root / 'resized_images'
            synth.copy(pair['before'], images / f'{img_id}.png')
            synth.copy(pair['after'], images / f'{img_id}_2.png')
    return ['spot-the-diff', '--src', str(ann), '--root', str(root)]


def image_editing_request(shared, synth, root):
    """airsplay/VisualRelationships dataset/adobe: {train,valid,test}.json
    lists of {img0, img1, sents, uid}; images/<img0>, images/<img1>."""
    src = root / 'annotations'
    for fname, first in (('train.json', 12), ('valid.json', 5),
                         ('test.json', 5)):
        entries = _real_entries(shared / 'image-editing-request' / fname,
                                first)
        _dump(src / fname, entries)
        for e in entries:
            pair = synth.take()
            synth.copy(pair['before'], root / 'images' / e['img0'])
            synth.copy(pair['after'], root / 'images' / e['img1'])
    return ['image-editing-request', '--src', str(src), '--root', str(root)]


CLEVR_TYPES = ('color', 'material', 'add', 'drop', 'move')
NO_CHANGE = ['no change was made', 'the scene remains the same',
             'there is no change', 'nothing has changed',
             'the two scenes seem identical']


def clevr_change(shared, synth, root):
    """Seth-Park/RobustChangeCaptioning data/: images/CLEVR_default_%06d.png,
    sc_images/CLEVR_semantic_%06d.png, nsc_images/CLEVR_nonsemantic_%06d.png,
    change_captions.json and no_change_captions.json keyed by the default
    image's name, splits.json (split -> indices) and type_mapping.json
    (type -> '%06d.png' names). Test has one index of every type."""
    splits = dict(train=list(range(0, 8)), val=list(range(8, 11)),
                  test=list(range(11, 16)))
    change, no_change, types = {}, {}, {t: [] for t in CLEVR_TYPES}
    for idx in range(16):
        ctype = CLEVR_TYPES[idx % len(CLEVR_TYPES)]
        sc, nsc = synth.take(ctype), synth.take('none')
        default = f'CLEVR_default_{idx:06d}.png'
        synth.copy(sc['before'], root / 'images' / default)
        synth.copy(sc['after'],
                   root / 'sc_images' / f'CLEVR_semantic_{idx:06d}.png')
        synth.copy(nsc['after'],
                   root / 'nsc_images' / f'CLEVR_nonsemantic_{idx:06d}.png')
        change[default] = sc['captions']
        no_change[default] = NO_CHANGE[idx % 5:] + NO_CHANGE[:idx % 5]
        types[ctype].append(f'{idx:06d}.png')
    _dump(root / 'change_captions.json', change)
    _dump(root / 'no_change_captions.json', no_change)
    _dump(root / 'splits.json', splits)
    _dump(root / 'type_mapping.json', types)
    return ['clevr-change', '--src', str(root), '--root', str(root)]


def clevr_dc(shared, synth, root):
    """hsgkim/clevr-dc as the clevr-dc importer reads it: split.json (split
    -> integer ids, as in that repository), captions.json (numeric id ->
    captions) and the images of bef.tar.gz and aft.tar.gz in bef/ and aft/
    as %06d.png."""
    splits = dict(train=list(range(0, 8)), val=list(range(8, 11)),
                  test=list(range(11, 14)))
    captions = {}
    for idx in range(14):
        pair = synth.take(CLEVR_TYPES[idx % len(CLEVR_TYPES)])
        synth.copy(pair['before'], root / 'bef' / f'{idx:06d}.png')
        synth.copy(pair['after'], root / 'aft' / f'{idx:06d}.png')
        captions[str(idx)] = pair['captions']
    _dump(root / 'captions.json', captions)
    _dump(root / 'split.json', splits)
    return ['clevr-dc', '--src', str(root), '--root', str(root), '--option',
            'before_dir=bef', '--option', 'after_dir=aft']


# Pair k names part k: val and test pairs name parts train never does.
BIRD_PARTS = ['head', 'breast', 'wings', 'tail', 'beak', 'belly', 'crown',
              'nape', 'rump', 'throat', 'eye', 'bill']
BIRD_COLORS = ['brown', 'white', 'black', 'blue', 'green', 'grey', 'red']
BIRD_COLUMNS = ('img1ObservationURL', 'img1ImgURL', 'img1Species',
                'img1Selection', 'img2ObservationURL', 'img2ImgURL',
                'img2Species', 'img2Selection', 'split', 'annN',
                'description')


def _bird_paragraph(k, n):
    part = BIRD_PARTS[k]
    a = BIRD_COLORS[(k + 2 * n) % len(BIRD_COLORS)]
    b = BIRD_COLORS[(k + 2 * n + 3) % len(BIRD_COLORS)]
    return (f'Animal 1 has a {a} {part}, animal 2 has a {b} {part}. '
            f'Animal 2 is larger and its {BIRD_PARTS[k % 6]} is darker. '
            f'Animal 1 has a shorter tail than animal 2.')


def birds_to_words(shared, synth, root):
    """google-research-datasets/birds-to-words: birds-to-words-v1.0.tsv,
    eleven columns, one description (annN) a row; images named after the
    image URLs (iNaturalist photos/<id>/medium.jpg), under images/."""
    rows = []
    for k, split in enumerate(['train'] * 6 + ['val'] * 3 + ['test'] * 3):
        pair = synth.take()
        ids = (100000 + 2 * k, 100001 + 2 * k)
        urls = [f'https://static.inaturalist.org/photos/{i}/medium.jpg'
                for i in ids]
        for rel, url in zip((pair['before'], pair['after']), urls):
            synth.copy(rel, root / 'images' / image_file(url))
        for n in range(1, 4):
            rows.append(dict(
                img1ObservationURL=f'https://www.inaturalist.org/photos/'
                f'{ids[0]}', img1ImgURL=urls[0],
                img1Species='Passer domesticus', img1Selection='base',
                img2ObservationURL=f'https://www.inaturalist.org/photos/'
                f'{ids[1]}', img2ImgURL=urls[1],
                img2Species='Passer montanus', img2Selection='sameGenus',
                split=split, annN=n, description=_bird_paragraph(k, n)))
    with open(root / 'birds-to-words-v1.0.tsv', 'w', encoding='utf-8',
              newline='') as f:
        writer = csv.DictWriter(f, BIRD_COLUMNS, delimiter='\t')
        writer.writeheader()
        writer.writerows(rows)
    return ['birds-to-words', '--src', str(root), '--root', str(root)]


def image_file(url):
    """Where the birds-to-words importer expects the image of ``url``."""
    from onediff_data.importers.birds_to_words import image_name
    return image_name(url)


BUILDERS = {
    'spot-the-diff': spot_the_diff,
    'ier': image_editing_request,
    'clevr-change': clevr_change,
    'birds-to-words': birds_to_words,
    'clevr-dc': clevr_dc,
}

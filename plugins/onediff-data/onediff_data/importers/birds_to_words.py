"""Birds-to-Words (Forbes et al., 2019)."""
import csv
import hashlib
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlparse

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, references

COLUMNS = ('img1ObservationURL', 'img1ImgURL', 'img1Species',
           'img1Selection', 'img2ObservationURL', 'img2ImgURL',
           'img2Species', 'img2Selection', 'split', 'annN', 'description')
SPLITS = {'train': 'train', 'val': 'val', 'validation': 'val', 'dev': 'val',
          'test': 'test'}


def image_name(url):
    """A file name for an image URL: its last two path parts without query.

    iNaturalist URLs end in ``photos/<id>/medium.jpg``: the last part
    alone would give every image the same name (``<id>_medium.jpg``).
    """
    parts = [p for p in urlparse(url).path.split('/') if p]
    name = '_'.join(parts[-2:])
    return name or hashlib.sha1(url.encode()).hexdigest()[:16] + '.jpg'


@IMPORTERS.register_module(name='birds-to-words')
class BirdsToWordsImporter:
    """The Birds-to-Words TSV (google-research-datasets/birds-to-words).

    Layout read::

        src/birds-to-words-v1.0.tsv   (or ``src`` is the TSV itself)
        <root>/images/<image_name(img1ImgURL)>   (before)
        <root>/images/<image_name(img2ImgURL)>   (after)

    The TSV is tab-separated, UTF-8, with a header row naming (at least,
    in any order) the 11 columns ``img1ObservationURL``, ``img1ImgURL``,
    ``img1Species``, ``img1Selection``, ``img2ObservationURL``,
    ``img2ImgURL``, ``img2Species``, ``img2Selection``, ``split``
    (``train``, ``val``/``validation``/``dev`` or ``test``), ``annN`` and
    ``description`` (one paragraph comparing animal1 and animal2). The
    images are not in the release: a pair's file names are those of its
    two URLs, :func:`image_name` (the last two path parts joined by ``_``:
    ``https://.../photos/123/medium.jpg`` -> ``123_medium.jpg``).

    Rows of the same image pair (same ``img1ImgURL`` and ``img2ImgURL``,
    which must keep one split) become one record, id the first 12 hex
    digits of the SHA-1 of the two URLs joined by a tab, with up to
    ``max_captions`` descriptions in row order (``captions_cut`` counts
    pairs with more). The URLs, species and observation pages stay in
    ``meta`` so the images can be fetched. Pairs without a non-empty
    description are treated as :func:`.base.references` says.

    Args:
        tsv (str): the TSV file name inside ``src`` (or a path).
            Defaults to 'birds-to-words-v1.0.tsv'.
        image_dir (str): folder of the images, relative to the data root.
            Defaults to 'images'.
        max_captions (int): references kept per pair. Defaults to 5.
        drop_empty_references (bool): also drop val/test pairs whose
            references are all empty. Defaults to False.
        task (str): task name. Defaults to 'birds_to_words'.
    """

    def __init__(self, tsv='birds-to-words-v1.0.tsv', image_dir='images',
                 max_captions=5, drop_empty_references=False,
                 task='birds_to_words'):
        self.drop_empty_references = drop_empty_references
        self.tsv = tsv
        self.image_dir = image_dir
        self.max_captions = max_captions
        self.task = task

    def _path(self, name):
        return f'{self.image_dir}/{name}' if self.image_dir else name

    def __call__(self, src):
        src = Path(src)
        path = src if src.is_file() else src / self.tsv
        if not path.is_file():
            raise FileNotFoundError(f'Birds-to-Words TSV not found: {path}')
        groups = OrderedDict()
        with open(path, encoding='utf-8', newline='') as f:
            reader = csv.DictReader(f, delimiter='\t')
            header = reader.fieldnames or []
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise KeyError(f'{path}: missing columns {missing}')
            for lineno, row in enumerate(reader, 2):
                split = SPLITS.get((row['split'] or '').strip().lower())
                if split is None:
                    raise ValueError(f'{path}:{lineno}: unknown split '
                                     f'{row["split"]!r}')
                key = (row['img1ImgURL'], row['img2ImgURL'])
                group = groups.setdefault(
                    key, dict(split=split, rows=[], first=row))
                if group['split'] != split:
                    raise ValueError(f'{path}:{lineno}: pair already seen in '
                                     f'split {group["split"]}, now {split}')
                text = (row['description'] or '').strip()
                if text:
                    group['rows'].append(text)
        result = ImportResult()
        for (url1, url2), group in groups.items():
            split = group['split']
            bump(result.stats, 'pairs', split)
            refs = references(group['rows'][:self.max_captions], split,
                              result.stats, self.drop_empty_references)
            if refs is None:
                continue
            if len(group['rows']) > self.max_captions:
                bump(result.stats, 'captions_cut', split)
            row = group['first']
            pair_id = hashlib.sha1(f'{url1}\t{url2}'.encode()).hexdigest()[:12]
            result.records.append(
                dict(
                    pair_id=pair_id,
                    before=self._path(image_name(url1)),
                    after=self._path(image_name(url2)),
                    **refs,
                    split=split,
                    task=self.task,
                    meta=dict(
                        img1_url=url1,
                        img2_url=url2,
                        img1_species=row['img1Species'],
                        img2_species=row['img2Species'],
                        img1_observation=row['img1ObservationURL'],
                        img2_observation=row['img2ObservationURL'])))
        return result

"""Spot-the-Diff (Jhamtani & Berg-Kirkpatrick, 2018)."""
from collections import OrderedDict
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, clean_captions, read_json, require_keys

SPLIT_FILES = {'train': 'train.json', 'val': 'val.json', 'test': 'test.json'}


@IMPORTERS.register_module(name='spot-the-diff')
class SpotTheDiffImporter:
    """``{train,val,test}.json`` lists of ``{img_id, sentences}``.

    Images are ``<img_id>.png`` (before) and ``<img_id>_2.png`` (after). By
    default the references of every entry with the same ``img_id`` are
    merged into one pair (the CLIP4IDC / COCO evaluation protocol: 8,566 /
    1,493 / 1,270 pairs); ``per_entry=True`` keeps one record per entry
    (9,524 / 1,634 / 1,404), with ids ``<img_id>_<k>``. Empty sentences are
    dropped; a pair left with none (upstream has 37 / 4 / 7 such merged
    pairs) is dropped and counted in ``stats['dropped_empty']``.

    Args:
        image_dir (str): folder of the images, relative to the data root.
            Defaults to 'resized_images' (the upstream layout).
        per_entry (bool): one record per entry instead of per image pair.
        task (str): task name. Defaults to 'spot_the_diff'.
    """

    def __init__(self, image_dir='resized_images', per_entry=False,
                 task='spot_the_diff'):
        self.image_dir = image_dir
        self.per_entry = per_entry
        self.task = task

    def _path(self, name):
        return f'{self.image_dir}/{name}' if self.image_dir else name

    def __call__(self, src):
        src = Path(src)
        result = ImportResult()
        for split, fname in SPLIT_FILES.items():
            entries = read_json(src / fname)
            groups = OrderedDict()
            seen = {}
            for n, entry in enumerate(entries):
                require_keys(entry, ('img_id', 'sentences'),
                             f'{src / fname} entry {n}')
                img_id = str(entry['img_id'])
                if self.per_entry:
                    k = seen.get(img_id, 0)
                    seen[img_id] = k + 1
                    groups[(img_id, k)] = list(entry['sentences'])
                else:
                    groups.setdefault((img_id, None), []).extend(
                        entry['sentences'])
            for (img_id, k), sents in groups.items():
                bump(result.stats, 'pairs', split)
                captions = clean_captions(sents)
                if not captions:
                    bump(result.stats, 'dropped_empty', split)
                    continue
                result.records.append(
                    dict(
                        pair_id=img_id if k is None else f'{img_id}_{k}',
                        before=self._path(f'{img_id}.png'),
                        after=self._path(f'{img_id}_2.png'),
                        captions=captions,
                        split=split,
                        task=self.task,
                        meta=dict(img_id=img_id)))
        dropped = sum(result.stats.get('dropped_empty', {}).values())
        if dropped:
            result.notes.append(
                f'{dropped} pairs have only empty sentences upstream and '
                f'were dropped: {result.stats["dropped_empty"]}')
        return result

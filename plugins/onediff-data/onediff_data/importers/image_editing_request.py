"""Image Editing Request (Tan et al., 2019)."""
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, clean_captions, read_json, require_keys

SPLIT_FILES = {'train': 'train.json', 'val': 'valid.json', 'test': 'test.json'}


@IMPORTERS.register_module(name='image-editing-request')
class ImageEditingRequestImporter:
    """``{train,valid,test}.json`` lists of ``{img0, img1, sents, uid}``.

    One record per entry (3,061 / 383 / 495 pairs), id ``uid``, with every
    request sentence as a reference (1 per train pair, 3 per valid/test
    pair). ``valid`` becomes split ``val``.

    Args:
        image_dir (str): folder of the images, relative to the data root.
            Defaults to 'images'.
        task (str): task name. Defaults to 'image_editing_request'.
    """

    def __init__(self, image_dir='images', task='image_editing_request'):
        self.image_dir = image_dir
        self.task = task

    def _path(self, name):
        return f'{self.image_dir}/{name}' if self.image_dir else name

    def __call__(self, src):
        src = Path(src)
        result = ImportResult()
        for split, fname in SPLIT_FILES.items():
            for n, entry in enumerate(read_json(src / fname)):
                require_keys(entry, ('img0', 'img1', 'sents', 'uid'),
                             f'{src / fname} entry {n}')
                bump(result.stats, 'pairs', split)
                captions = clean_captions(entry['sents'])
                if not captions:
                    bump(result.stats, 'dropped_empty', split)
                    continue
                result.records.append(
                    dict(
                        pair_id=str(entry['uid']),
                        before=self._path(entry['img0']),
                        after=self._path(entry['img1']),
                        captions=captions,
                        split=split,
                        task=self.task))
        return result

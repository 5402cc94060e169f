"""Image Editing Request (Tan et al., 2019)."""
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, read_json, references, require_keys

SPLIT_FILES = {'train': 'train.json', 'val': 'valid.json', 'test': 'test.json'}


@IMPORTERS.register_module(name='image-editing-request')
class ImageEditingRequestImporter:
    """airsplay/VisualRelationships' ``dataset/adobe`` files and images.

    Upstream layout (``src`` is the folder of the three JSON files)::

        src/train.json   src/valid.json   src/test.json
        <root>/images/<img0>   <root>/images/<img1>

    Each JSON file is a list of entries ``{"img0":
    "Reddit.com_4wfxf2_4wfxf2.jpg", "img1":
    "Reddit.com_4wfxf2_d66nm3m_2.jpg", "sents": ["remove the man", ...],
    "uid": "Reddit_1052"}``: ``img0`` the source image's file name,
    ``img1`` the edited image's, ``sents`` the edit requests, ``uid`` unique
    across the three files. One record per entry, id ``uid``, every request
    a reference: 3,061 / 383 / 495 pairs with 1 / 3 / 3 requests each
    (3,061 / 1,149 / 1,485 in all) on the real files, none empty.
    ``valid`` becomes split ``val``. Pairs without a non-empty request are
    treated as :func:`.base.references` says.

    Args:
        image_dir (str): folder of the images, relative to the data root.
            Defaults to 'images'.
        drop_empty_references (bool): also drop val/test pairs whose
            references are all empty. Defaults to False.
        task (str): task name. Defaults to 'image_editing_request'.
    """

    def __init__(self, image_dir='images', drop_empty_references=False,
                 task='image_editing_request'):
        self.image_dir = image_dir
        self.drop_empty_references = drop_empty_references
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
                refs = references(entry['sents'], split, result.stats,
                                  self.drop_empty_references)
                if refs is None:
                    continue
                result.records.append(
                    dict(
                        pair_id=str(entry['uid']),
                        before=self._path(entry['img0']),
                        after=self._path(entry['img1']),
                        **refs,
                        split=split,
                        task=self.task))
        return result

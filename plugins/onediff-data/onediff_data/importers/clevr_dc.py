"""CLEVR-DC (Kim et al., 2021): CLEVR with drastic viewpoint changes."""
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, read_json, references


@IMPORTERS.register_module(name='clevr-dc')
class ClevrDCImporter:
    """CLEVR-DC's captions, split file and before/after image folders.

    Layout read (``src`` is also the default data root)::

        src/captions.json   src/split.json
        <root>/<before_dir>/%06d.png   <root>/<after_dir>/%06d.png

    ``captions.json`` is an object from a numeric id (a string such as
    ``"12"``, or zero-padded ``"000012"``) to a list of caption strings (a
    single string is taken as one caption); ``split.json`` is
    ``{"train": [0, 1, ...], "val": [...], "test": [...]}`` with integer
    ids, all three splits required. Every id of ``split.json`` must have
    captions. One record per id, id ``%06d``, images ``%06d.png`` in the
    two folders (the release's ``bef.tar.gz`` and ``aft.tar.gz`` unpack to
    folders that ``before_dir`` / ``after_dir`` name, e.g.
    ``--option before_dir=bef --option after_dir=aft``). Pairs without a
    non-empty caption are treated as :func:`.base.references` says.

    Args:
        before_dir (str): folder of the before images. Defaults to
            'before'.
        after_dir (str): folder of the after images. Defaults to 'after'.
        drop_empty_references (bool): also drop val/test pairs whose
            references are all empty. Defaults to False.
        task (str): task name. Defaults to 'clevr_dc'.
    """

    def __init__(self, before_dir='before', after_dir='after',
                 drop_empty_references=False, task='clevr_dc'):
        self.before_dir = before_dir
        self.after_dir = after_dir
        self.drop_empty_references = drop_empty_references
        self.task = task

    def __call__(self, src):
        src = Path(src)
        captions = {str(int(k)): v
                    for k, v in read_json(src / 'captions.json').items()}
        splits = read_json(src / 'split.json')
        result = ImportResult()
        for split in ('train', 'val', 'test'):
            if split not in splits:
                raise KeyError(f'{src / "split.json"}: missing split '
                               f'"{split}"')
            for idx in splits[split]:
                idx = int(idx)
                bump(result.stats, 'pairs', split)
                if str(idx) not in captions:
                    raise KeyError(f'{src / "captions.json"}: no captions for '
                                   f'id {idx} (split {split})')
                caps = captions[str(idx)]
                refs = references([caps] if isinstance(caps, str) else caps,
                                  split, result.stats,
                                  self.drop_empty_references)
                if refs is None:
                    continue
                result.records.append(
                    dict(
                        pair_id=f'{idx:06d}',
                        before=f'{self.before_dir}/{idx:06d}.png',
                        after=f'{self.after_dir}/{idx:06d}.png',
                        **refs,
                        split=split,
                        task=self.task))
        return result

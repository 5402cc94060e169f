"""CLEVR-DC (Kim et al., 2021): CLEVR with drastic viewpoint changes."""
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, clean_captions, read_json


@IMPORTERS.register_module(name='clevr-dc')
class ClevrDCImporter:
    """``captions.json`` (numeric id -> captions), ``split.json`` (split ->
    integer ids) and images ``%06d.png`` in a before and an after folder.

    Args:
        before_dir (str): folder of the before images. Defaults to
            'before'.
        after_dir (str): folder of the after images. Defaults to 'after'.
        task (str): task name. Defaults to 'clevr_dc'.
    """

    def __init__(self, before_dir='before', after_dir='after',
                 task='clevr_dc'):
        self.before_dir = before_dir
        self.after_dir = after_dir
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
                if isinstance(caps, str):
                    caps = [caps]
                caps = clean_captions(caps)
                if not caps:
                    bump(result.stats, 'dropped_empty', split)
                    continue
                result.records.append(
                    dict(
                        pair_id=f'{idx:06d}',
                        before=f'{self.before_dir}/{idx:06d}.png',
                        after=f'{self.after_dir}/{idx:06d}.png',
                        captions=caps,
                        split=split,
                        task=self.task))
        return result

"""CLEVR-Change (Park et al., 2019)."""
import re
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from .base import ImportResult, bump, clean_captions, read_json

_NUM = re.compile(r'(\d+)\.png$')


@IMPORTERS.register_module(name='clevr-change')
class ClevrChangeImporter:
    """CLEVR-Change's release layout under one root.

    ``images/CLEVR_default_%06d.png`` (before),
    ``sc_images/CLEVR_semantic_%06d.png`` (after, one semantic change),
    ``nsc_images/CLEVR_nonsemantic_%06d.png`` (after, distractor only),
    ``change_captions.json`` / ``no_change_captions.json`` (image file name
    -> captions, keyed by the default image's name), ``splits.json``
    (split -> indices) and ``type_mapping.json`` (change type -> file
    names). Each index yields a semantic pair ``%06d`` whose change type
    comes from the type mapping, and a distractor pair ``%06d_n`` of type
    ``none``.

    Args:
        task (str): task name. Defaults to 'clevr_change'.
    """

    def __init__(self, task='clevr_change'):
        self.task = task

    def __call__(self, src):
        src = Path(src)
        change = read_json(src / 'change_captions.json')
        no_change = read_json(src / 'no_change_captions.json')
        splits = read_json(src / 'splits.json')
        types = {}
        for ctype, names in read_json(src / 'type_mapping.json').items():
            for name in names:
                m = _NUM.search(str(name))
                idx = int(m.group(1)) if m else int(name)
                types[idx] = ctype
        result = ImportResult()
        for split in ('train', 'val', 'test'):
            if split not in splits:
                raise KeyError(f'{src / "splits.json"}: missing split '
                               f'"{split}"')
            for idx in splits[split]:
                idx = int(idx)
                default = f'CLEVR_default_{idx:06d}.png'
                pairs = (
                    (f'{idx:06d}', f'sc_images/CLEVR_semantic_{idx:06d}.png',
                     change, 'change_captions.json', types.get(idx)),
                    (f'{idx:06d}_n',
                     f'nsc_images/CLEVR_nonsemantic_{idx:06d}.png',
                     no_change, 'no_change_captions.json', 'none'),
                )
                for pair_id, after, caps, fname, ctype in pairs:
                    bump(result.stats, 'pairs', split)
                    if default not in caps:
                        raise KeyError(f'{src / fname}: no captions for '
                                       f'"{default}" (index {idx}, split '
                                       f'{split})')
                    captions = clean_captions(caps[default])
                    if not captions:
                        bump(result.stats, 'dropped_empty', split)
                        continue
                    if ctype is None:
                        bump(result.stats, 'untyped', split)
                    result.records.append(
                        dict(
                            pair_id=pair_id,
                            before=f'images/{default}',
                            after=after,
                            captions=captions,
                            split=split,
                            task=self.task,
                            change_type=ctype))
        if result.stats.get('untyped'):
            result.notes.append(
                'semantic pairs missing from type_mapping.json (change_type '
                f'left null): {result.stats["untyped"]}')
        return result

"""CLEVR-Change (Park et al., 2019)."""
import re
from pathlib import Path

from onediff_kit.registry import IMPORTERS

from ..clevr_render.release import scene_truth
from .base import ImportResult, bump, read_json, references

_NUM = re.compile(r'(\d+)\.png$')


@IMPORTERS.register_module(name='clevr-change')
class ClevrChangeImporter:
    """CLEVR-Change's release (Seth-Park/RobustChangeCaptioning ``data/``).

    Layout read (``src`` is also the default data root)::

        src/images/CLEVR_default_%06d.png        (before)
        src/sc_images/CLEVR_semantic_%06d.png    (after: one semantic change)
        src/nsc_images/CLEVR_nonsemantic_%06d.png (after: distractor only)
        src/change_captions.json   src/no_change_captions.json
        src/splits.json            src/type_mapping.json

    ``change_captions.json`` and ``no_change_captions.json`` are objects
    from the default image's file name (``"CLEVR_default_000012.png"``) to
    a list of caption strings; every index of ``splits.json`` must have an
    entry in both. ``splits.json`` is ``{"train": [0, 1, ...], "val":
    [...], "test": [...]}`` with integer indices, all three splits
    required. ``type_mapping.json`` is an object from change type
    (``color``, ``material``, ``add``, ``drop``, ``move``) to a list of
    names ending in the index and ``.png`` (``"CLEVR_default_000012.png"``
    or ``"000012.png"``) or bare indices.

    Each index yields a semantic pair ``%06d`` (after: ``sc_images``,
    change type from the type mapping; null and counted as ``untyped``
    where the mapping lacks it) and a distractor pair ``%06d_n`` (after:
    ``nsc_images``, captions from ``no_change_captions.json``, change type
    ``none``). Pairs without a non-empty caption are treated as
    :func:`.base.references` says. A folder rendered by ``onediff data
    render clevr-change`` also holds each triplet's scene truth
    (``triplets/``); its semantic pairs then carry it in ``meta``
    (changed object, new value, boxes), as synthetic pairs do.

    Args:
        drop_empty_references (bool): also drop val/test pairs whose
            references are all empty. Defaults to False.
        task (str): task name. Defaults to 'clevr_change'.
    """

    def __init__(self, drop_empty_references=False, task='clevr_change'):
        self.drop_empty_references = drop_empty_references
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
                    refs = references(caps[default], split, result.stats,
                                      self.drop_empty_references)
                    if refs is None:
                        continue
                    if ctype is None:
                        bump(result.stats, 'untyped', split)
                    record = dict(pair_id=pair_id, before=f'images/{default}',
                                  after=after, **refs, split=split,
                                  task=self.task, change_type=ctype)
                    meta = scene_truth(src, idx) if ctype not in (
                        None, 'none') else None
                    if meta is not None:
                        record['meta'] = meta
                    result.records.append(record)
        if result.stats.get('untyped'):
            result.remarks.append(
                'semantic pairs missing from type_mapping.json (change_type '
                f'left null): {result.stats["untyped"]}')
        return result

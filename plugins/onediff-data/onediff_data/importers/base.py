"""What every benchmark importer returns, and helpers they share."""
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportResult:
    """Manifest records plus counts of what was read and left out.

    Attributes:
        records (list[dict]): manifest records (docs/data_format.md).
        stats (dict): counts per split: ``pairs`` as found upstream,
            ``empty_references`` (pairs with no non-empty caption upstream),
            of which ``dropped_empty`` were left out (see
            :func:`references`).
        remarks (list[str]): the importer's own lines for the user.
    """
    records: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    remarks: list = field(default_factory=list)

    @property
    def notes(self):
        """One line per thing a user should know (the import summary)."""
        empty = empty_note(self.stats)
        return self.remarks + ([empty] if empty else [])


def read_json(path):
    """Parse a JSON file, naming it in the error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'annotation file not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f'{path}: not valid UTF-8 JSON ({exc})') from None


def clean_captions(captions):
    """Strip captions and drop empty ones."""
    return [c.strip() for c in captions if isinstance(c, str) and c.strip()]


EVAL_SPLITS = ('val', 'test')


def references(sentences, split, stats, drop_empty=False):
    """The ``captions`` of a record, or None to leave the pair out.

    Empty sentences are removed. A pair left with none is counted in
    ``stats['empty_references']``. In an evaluation split (val, test) it is
    kept, unless ``drop_empty``, with the one reference ``['']`` and the
    record flag ``empty_references: true``: published numbers score such
    pairs against an empty reference (pycocoevalcap does), so a published
    prediction file needs them. A training pair without a caption has
    nothing to learn and is always dropped (``stats['dropped_empty']``).

    Args:
        sentences (list): the upstream reference sentences of one pair.
        split (str): the pair's split.
        stats (dict): the importer's counts, updated.
        drop_empty (bool): also drop val/test pairs without a caption.

    Returns:
        dict | None: ``captions`` (and ``empty_references``) to merge into
        the record.
    """
    captions = clean_captions(sentences)
    if captions:
        return dict(captions=captions)
    bump(stats, 'empty_references', split)
    if split in EVAL_SPLITS and not drop_empty:
        return dict(captions=[''], empty_references=True)
    bump(stats, 'dropped_empty', split)
    return None


def empty_note(stats):
    """The import summary's line about pairs without a caption, or None."""
    empty = stats.get('empty_references')
    if not empty:
        return None
    dropped = stats.get('dropped_empty', {})
    kept = {s: n - dropped.get(s, 0) for s, n in empty.items()
            if n - dropped.get(s, 0)}
    text = (f'pairs whose upstream references are all empty: {empty}; '
            f'dropped {dropped or 0} (a training pair without a caption is '
            'never kept)')
    if kept:
        text += (f'; kept {kept} for evaluation with captions [""] and '
                 '"empty_references": true, as published scores count them '
                 '(--drop-empty-references leaves them out)')
    return text


def bump(stats, key, split, n=1):
    stats.setdefault(key, {})
    stats[key][split] = stats[key].get(split, 0) + n


def require_keys(entry, keys, where):
    """Raise a KeyError naming the file, entry and key that is missing."""
    if not isinstance(entry, dict):
        raise ValueError(f'{where}: expected an object, got '
                         f'{type(entry).__name__}')
    for key in keys:
        if key not in entry:
            raise KeyError(f'{where}: missing key "{key}"')

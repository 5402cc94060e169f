"""What every benchmark importer returns, and helpers they share."""
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportResult:
    """Manifest records plus counts of what was read and left out.

    Attributes:
        records (list[dict]): manifest records (docs/data_format.md).
        stats (dict): counts, e.g. ``pairs`` per split as found upstream and
            ``dropped_empty`` per split (pairs with no non-empty caption).
        notes (list[str]): one line per thing a user should know.
    """
    records: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


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

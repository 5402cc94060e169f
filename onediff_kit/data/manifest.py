"""The pair manifest: JSONL, one image pair a line. See docs/data_format.md.

Lines are read with the one JSONL reader, :func:`onediff_kit.data.jsonl.
iter_jsonl`.

``check_manifest`` validates every line and returns the good records plus one
problem per bad line (for ``onediff data check``); ``load_manifest`` raises a
:class:`ManifestError` naming the file, line and key at the first problem.
"""
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from onediff_kit.data.image_io import ImageReadError, resolve_in_root
from onediff_kit.data.jsonl import JsonlError, iter_jsonl
from onediff_kit.fileio import atomic_open

REQUIRED_KEYS = ('pair_id', 'before', 'after', 'captions', 'split', 'task')
OPTIONAL_KEYS = ('change_type', 'meta', 'empty_references')
SPLITS = ('train', 'val', 'test')


class ManifestError(JsonlError):
    """A bad manifest line; the message names the file, line and reason."""


@dataclass
class Problem:
    """One bad line of a manifest."""
    line: int
    reason: str
    key: str = None

    def __str__(self):
        return f'line {self.line}: {self.reason}'


def validate_record(rec, root=None, check_files=False):
    """Problems of one parsed record as ``(key, reason)`` pairs.

    Args:
        rec (dict): the parsed JSON line.
        root (str | Path, optional): data root for the path checks.
        check_files (bool): also require both image files to exist.
    """
    if not isinstance(rec, dict):
        return [(None, f'expected a JSON object, got {type(rec).__name__}')]
    out = []
    for key in REQUIRED_KEYS:
        if key not in rec:
            out.append((key, f'missing key "{key}"'))
    for key in ('pair_id', 'before', 'after', 'split', 'task'):
        if key in rec and (not isinstance(rec[key], str) or not rec[key]):
            out.append((key, f'"{key}" must be a non-empty string, got '
                        f'{rec[key]!r}'))
    flagged = rec.get('empty_references', False)
    if not isinstance(flagged, bool):
        out.append(('empty_references', '"empty_references" must be true or '
                    f'false, got {flagged!r}'))
    if 'captions' in rec:
        caps = rec['captions']
        if not isinstance(caps, list):
            out.append(('captions', '"captions" must be a list of strings'))
        elif not caps:
            out.append(('captions', 'empty captions'))
        elif flagged is True:
            # An evaluation pair whose upstream references are all empty.
            if not all(isinstance(c, str) and not c.strip() for c in caps):
                out.append(('captions', '"empty_references": true but '
                            '"captions" holds a non-empty caption'))
        elif not all(isinstance(c, str) and c.strip() for c in caps):
            out.append(('captions', 'empty captions: every caption must be '
                        'a non-empty string (an evaluation pair whose '
                        'references are empty upstream is marked '
                        '"empty_references": true)'))
    if rec.get('change_type') is not None and not isinstance(
            rec['change_type'], str):
        out.append(('change_type', '"change_type" must be a string'))
    if 'meta' in rec and rec['meta'] is not None and not isinstance(
            rec['meta'], dict):
        out.append(('meta', '"meta" must be an object'))
    if root is not None:
        for key in ('before', 'after'):
            value = rec.get(key)
            if not isinstance(value, str) or not value:
                continue
            try:
                full = resolve_in_root(value, root)
            except ImageReadError:
                out.append((key, f'"{key}" path outside the root: {value}'))
                continue
            if check_files and not full.is_file():
                out.append((key, f'missing image file "{key}": {full}'))
    return out


def check_manifest(path, root=None, check_files=True, split=None):
    """Validate every line of a manifest.

    Args:
        path (str | Path): the JSONL file.
        root (str | Path, optional): data root; defaults to the manifest's
            folder.
        check_files (bool): require both image files to exist.
        split (str, optional): keep only good records of this split.

    Returns:
        tuple[list[dict], list[Problem]]: good records (each with its
        ``_line``) and one problem per bad line, in line order.
    """
    path = Path(path)
    root = path.parent if root is None else Path(root)
    records, problems, seen = [], [], {}
    lines = iter_jsonl(
        path, what='manifest file', error=ManifestError,
        on_error=lambda line, reason: problems.append(Problem(line, reason)))
    for lineno, rec in lines:
        issues = validate_record(rec, root, check_files)
        if not issues and rec['pair_id'] in seen:
            issues = [('pair_id', f'duplicate pair_id {rec["pair_id"]!r} '
                       f'(first on line {seen[rec["pair_id"]]})')]
        if issues:
            problems.append(
                Problem(lineno, '; '.join(r for _, r in issues),
                        issues[0][0]))
            continue
        seen[rec['pair_id']] = lineno
        if split is None or rec['split'] == split:
            rec['_line'] = lineno
            records.append(rec)
    return records, problems


def load_manifest(path, split=None, root=None, check_files=False):
    """Read a manifest, raising at the first bad line.

    Args:
        path (str | Path): the JSONL file.
        split (str, optional): keep only this split.
        root (str | Path, optional): data root for the path checks; defaults
            to the manifest's folder.
        check_files (bool): require both image files to exist (slow on
            large sets; datasets check lazily when loading).

    Returns:
        list[dict]: the records, each with ``_line`` (its line number).

    Raises:
        ManifestError: naming the file, line and reason.
    """
    records, problems = check_manifest(path, root, check_files, split)
    if problems:
        first = problems[0]
        more = f' (and {len(problems) - 1} more bad lines; run `onediff ' \
            f'data check {path}`)' if len(problems) > 1 else ''
        raise ManifestError(path, first.line, first.reason + more, first.key)
    return records


def write_manifest(path, records):
    """Write records as JSONL (UTF-8, one object a line, keys in order)."""
    path = Path(path)
    with atomic_open(path, 'w') as f:  # no partial manifest left behind
        for rec in records:
            rec = {k: v for k, v in rec.items() if not k.startswith('_')}
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')
    return path


def summarize(records):
    """Counts per split, task and change type."""
    return dict(
        total=len(records),
        split=dict(Counter(r['split'] for r in records)),
        task=dict(Counter(r['task'] for r in records)),
        change_type=dict(
            Counter(r.get('change_type') or '-' for r in records)))

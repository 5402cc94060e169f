"""The one JSONL reader: one JSON value a line, errors naming file and line.

The pair manifest (:mod:`onediff_kit.data.manifest`), the single-image
scene captions and the vocabulary builder all read JSONL through
:func:`iter_jsonl`, so a bad line reads the same everywhere:
``path:line: reason``.
"""
import json
from pathlib import Path


class JsonlError(ValueError):
    """A bad JSONL file or line; the message names the file, line and reason.

    Args:
        path (str | Path): the file.
        line (int): 1-based line number; 0 for the file as a whole.
        reason (str): what is wrong.
        key (str, optional): the record key at fault.
    """

    def __init__(self, path, line, reason, key=None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.key = key
        where = f'{self.path}:{line}' if line else self.path
        super().__init__(f'{where}: {reason}')


_BLANK = object()


def _parse_line(raw):
    """A raw line (bytes) as ``(value, reason)``: the value is ``_BLANK``
    for a blank line, the reason is set (value None) for a bad one."""
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exc:
        return None, f'bytes that are not UTF-8 (offset {exc.start})'
    if not text.strip():
        return _BLANK, None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f'bad JSON: {exc.msg} (column {exc.colno})'


def iter_jsonl(path, on_error=None, what='JSONL file', error=JsonlError):
    """Yield ``(line number, value)`` for each non-blank line of a file.

    Args:
        path (str | Path): the file.
        on_error (callable, optional): ``on_error(line, reason)`` is called
            for a line that is not UTF-8 or not JSON, and reading goes on;
            None (default) raises ``error`` at the first such line.
        what (str): what the file is, for the not-found message (e.g.
            ``'manifest file'``).
        error (type): the :class:`JsonlError` subclass raised.

    Raises:
        JsonlError: (or ``error``) for a missing file, or a bad line when
            ``on_error`` is None, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise error(path, 0, f'{what} not found')
    with open(path, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            value, reason = _parse_line(raw)
            if value is _BLANK:
                continue
            if reason is not None:
                if on_error is None:
                    raise error(path, lineno, reason)
                on_error(lineno, reason)
                continue
            yield lineno, value


def read_jsonl(path, what='JSONL file', error=JsonlError):
    """Every value of a JSONL file as a list, raising at the first bad line.

    Args:
        path (str | Path): the file.
        what (str): named in the not-found message.
        error (type): the :class:`JsonlError` subclass raised.
    """
    return [value for _, value in iter_jsonl(path, what=what, error=error)]

"""Local file writes that a crash can not leave half done.

Every writer of the package (checkpoints, the ``last_checkpoint`` marker,
manifests, caption files, feature-cache entries, converted weights) goes
through :func:`atomic_open`: the content goes to a temporary file in the same
directory, which is then renamed over the final name. A reader sees the old
file or the complete new one, never a torn one, and concurrent writers of the
same path each replace it whole.
"""
import contextlib
import glob
import os
import os.path as osp
import uuid

#: Part of every temporary name, so leftovers of a killed writer can be found.
TMP_MARK = '.onediff-tmp-'


def is_temporary(filename):
    """Whether ``filename`` is a temporary of :func:`atomic_open`."""
    return TMP_MARK in osp.basename(str(filename))


def _fsync_dir(dirname):
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:  # e.g. Windows can not open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path, mode='wb', encoding=None, fsync=True):
    """Open a temporary file that replaces ``path`` when the block succeeds.

    On an exception the temporary is removed and ``path`` is left as it was.

    Args:
        path (str | os.PathLike): the final path; its directory is created
            if missing.
        mode (str): ``'wb'`` or ``'w'``.
        encoding (str, optional): the text encoding of mode ``'w'``
            (``'utf-8'`` when not given).
        fsync (bool): flush the file and the rename to the disk, so they
            survive a power cut too. ``False`` for writes a killed process
            only needs to see whole (the page cache keeps them), at a
            fraction of the time.

    Yields:
        file: the open temporary file.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    path = osp.abspath(os.fspath(path))
    dirname = osp.dirname(path)
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(dirname, f'.{osp.basename(path)}{TMP_MARK}'
                   f'{os.getpid()}-{uuid.uuid4().hex}')
    if mode == 'w':
        encoding = encoding or 'utf-8'
    try:
        with open(tmp, mode, encoding=encoding) as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    if fsync:
        _fsync_dir(dirname)


def atomic_write_bytes(path, data, fsync=True):
    """Write ``data`` to ``path`` through :func:`atomic_open`.

    Args:
        path (str | os.PathLike): the final path.
        data (bytes): the content.
        fsync (bool): see :func:`atomic_open`.
    """
    with atomic_open(path, 'wb', fsync=fsync) as f:
        f.write(data)


def atomic_write_text(path, text, encoding='utf-8', fsync=True):
    """Write ``text`` to ``path`` through :func:`atomic_open`.

    Args:
        path (str | os.PathLike): the final path.
        text (str): the content.
        encoding (str): the text encoding.
        fsync (bool): see :func:`atomic_open`.
    """
    with atomic_open(path, 'w', encoding=encoding, fsync=fsync) as f:
        f.write(text)


def remove_stale_temporaries(dirname):
    """Delete temporaries that a killed process left in ``dirname``.

    Args:
        dirname (str): the directory to clean (not recursive).

    Returns:
        list[str]: the removed paths.
    """
    removed = []
    for path in glob.glob(osp.join(glob.escape(dirname), f'.*{TMP_MARK}*')):
        try:
            os.remove(path)
            removed.append(path)
        except OSError:
            pass
    return removed

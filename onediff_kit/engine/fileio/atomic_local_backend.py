"""Local file writes that a crash can not leave half done.

mmengine's ``save_checkpoint`` hands the serialised checkpoint to a file
backend's ``put``; :class:`AtomicLocalBackend` is registered with mmengine's
backend registry as ``'atomic_local'``, so a :class:`CheckpointHook` with
``backend_args=dict(backend='atomic_local')`` (the default of
:class:`~onediff_kit.engine.hooks.AtomicCheckpointHook`) writes every
checkpoint to a temporary file in the same directory, fsyncs it and then
renames it over the final name. A reader sees the old file or the complete new
one, never a torn one.
"""
import glob
import os
import os.path as osp
import uuid

from mmengine.fileio import LocalBackend, register_backend

TMP_MARK = '.onediff-tmp-'


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


def atomic_write_bytes(filepath, data):
    """Write ``data`` to ``filepath`` through a temporary file and a rename.

    Args:
        filepath (str): the final path; its directory is created if missing.
        data (bytes): the content.
    """
    filepath = osp.abspath(str(filepath))
    dirname = osp.dirname(filepath)
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(
        dirname,
        f'.{osp.basename(filepath)}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex}')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    # the rename itself must survive a power cut too
    _fsync_dir(dirname)


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


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` whose writes are atomic.

    Reading, listing and removing are those of ``LocalBackend``; ``put`` and
    ``put_text`` go through :func:`atomic_write_bytes`.
    """

    def put(self, obj, filepath):
        atomic_write_bytes(filepath, obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        atomic_write_bytes(filepath, obj.encode(encoding))


register_backend('atomic_local', AtomicLocalBackend, force=True)

"""The leftovers of interrupted cache writers.

A writer saves each file as ``.NAME.onediff-tmp-PID-HEX`` and renames it
into place (:func:`onediff_kit.fileio.atomic_open`); a writer killed
between the two leaves the temporary file. One is stale when its writer is
gone, or when it is older than any write takes.
"""
import os
import os.path as osp
import re
import time

from onediff_kit.fileio import TMP_MARK

_TMP = re.compile(re.escape(TMP_MARK) + r'(\d+)-[0-9a-f]+$')


def _process_alive(pid):
    """Whether a process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # runs, as another user
        return True
    return True


def stale_temp_files(root, min_age=3600.0, now=None):
    """Temporary files under ``root`` whose writer is interrupted.

    Args:
        root (str): a feature cache directory.
        min_age (float): seconds after which a temporary file is stale even
            if a process with its writer's pid runs (pid reuse, or a writer
            on another machine sharing the folder); one entry takes well
            under a second to write.
        now (float, optional): the current time (``time.time()``).

    Returns:
        list[str]: paths of temporary files whose writer's pid runs no
        process here, or that are older than ``min_age``.
    """
    now = time.time() if now is None else now
    stale = []
    for folder, _, files in os.walk(root):
        for name in files:
            match = _TMP.search(name)
            if not match:
                continue
            path = osp.join(folder, name)
            try:
                age = now - osp.getmtime(path)
            except FileNotFoundError:  # its writer just renamed it
                continue
            if age > min_age or not _process_alive(int(match.group(1))):
                stale.append(path)
    return sorted(stale)

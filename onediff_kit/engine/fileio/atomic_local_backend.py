"""An mmengine file backend whose local writes are atomic.

mmengine's ``save_checkpoint`` hands the serialised checkpoint to a file
backend's ``put``; :class:`AtomicLocalBackend` is registered with mmengine's
backend registry as ``'atomic_local'``, so a :class:`CheckpointHook` with
``backend_args=dict(backend='atomic_local')`` (the default of
:class:`~onediff_kit.engine.hooks.AtomicCheckpointHook`) writes every
checkpoint through :func:`onediff_kit.fileio.atomic_write_bytes`.
"""
from mmengine.fileio import LocalBackend, register_backend

from onediff_kit.fileio import atomic_write_bytes


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` whose writes are atomic.

    Reading, listing and removing are those of ``LocalBackend``; ``put`` and
    ``put_text`` go through :func:`onediff_kit.fileio.atomic_write_bytes`.
    """

    def put(self, obj, filepath):
        atomic_write_bytes(filepath, obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        atomic_write_bytes(filepath, obj.encode(encoding))


register_backend('atomic_local', AtomicLocalBackend, force=True)

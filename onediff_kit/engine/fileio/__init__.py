from onediff_kit.engine.fileio.atomic_local_backend import (
    AtomicLocalBackend, atomic_write_bytes, remove_stale_temporaries)

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes',
           'remove_stale_temporaries']

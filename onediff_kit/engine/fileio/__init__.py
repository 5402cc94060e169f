from onediff_kit.engine.fileio.atomic_local_backend import AtomicLocalBackend

__all__ = ['AtomicLocalBackend']

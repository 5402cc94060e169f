"""The one explicit start-up of onediff_kit: :func:`init`.

``import onediff_kit`` changes nothing outside the package. A process that
builds onediff_kit components from configs calls :func:`init` once, before
the first build; the tools, the ``onediff`` command, :class:`DiffCaptioner`
and the test suite do.
"""
import threading

_lock = threading.RLock()
_state = dict(done=False, running=False)


def init():
    """Load the plugins and switch on safe checkpoint loading.

    Idempotent and thread-safe: the first call does the work, later ones
    return at once. It

    - imports every plugin of the ``onediff_kit.plugins`` entry-point group
      (the first-party encoders, datasets and metrics included) and calls
      its ``onediff_register_components`` hook (see
      :mod:`onediff_kit.plugin_manager`);
    - routes mmengine's loading of local checkpoints (``load_from``,
      ``--resume``, ``init_cfg=dict(type='Pretrained')``) through
      :func:`onediff_kit.checkpoint.load_local` (``weights_only=True`` with
      clear errors), by mmengine's own extension point
      ``CheckpointLoader.register_scheme``;
    - gives this process and its dataloader workers one ``pymp-*`` folder
      (:func:`share_multiprocessing_tempdir`).

    mmengine's registries are left as they are.
    """
    with _lock:
        # `running`: a plugin that calls init() while it loads returns here
        if _state['done'] or _state['running']:
            return
        _state['running'] = True
        try:
            from onediff_kit.checkpoint import enable_safe_checkpoint_loading
            from onediff_kit.plugin_manager import load_plugins
            enable_safe_checkpoint_loading()
            share_multiprocessing_tempdir()
            load_plugins()
            _state['done'] = True
        finally:
            _state['running'] = False


def share_multiprocessing_tempdir():
    """Create this process's multiprocessing temp folder (``pymp-*``) now.

    Child processes copy their parent's multiprocessing config, so
    dataloader workers started later use this folder instead of making
    their own; persistent workers are terminated at exit before they could
    remove theirs, which left empty ``pymp-*`` folders behind. The folder
    made here is removed when this process exits normally.
    """
    import multiprocessing.util
    multiprocessing.util.get_temp_dir()


def is_initialized():
    """Whether :func:`init` has run in this process."""
    return _state['done']

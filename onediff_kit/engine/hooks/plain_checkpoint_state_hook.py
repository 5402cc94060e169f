from mmengine.hooks import Hook

from onediff_kit.checkpoint import (history_buffers_to_plain,
                                    numpy_to_plain, plain_to_history_buffers)
from onediff_kit.registry import HOOKS


@HOOKS.register_module()
class PlainCheckpointStateHook(Hook):
    """Keep checkpoints loadable with ``weights_only=True``.

    Converts the MessageHub's history buffers to plain lists before a save
    and back after a load; see :mod:`onediff_kit.checkpoint`. It is in
    ``configs/_base_/default_runtime.py``; keep it in custom configs.
    """
    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint):
        if 'message_hub' in checkpoint:
            history_buffers_to_plain(checkpoint['message_hub'])
        for key in ('message_hub', 'meta'):
            if key in checkpoint:
                checkpoint[key] = numpy_to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint):
        if 'message_hub' in checkpoint:
            plain_to_history_buffers(checkpoint['message_hub'])

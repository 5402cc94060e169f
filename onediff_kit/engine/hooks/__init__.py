from onediff_kit.engine.hooks.atomic_checkpoint_hook import \
    AtomicCheckpointHook
from onediff_kit.engine.hooks.checkpoint_match_hook import CheckpointMatchHook
from onediff_kit.engine.hooks.console_progress_hook import \
    ConsoleProgressHook
from onediff_kit.engine.hooks.malloc_tuning_hook import MallocTuningHook
from onediff_kit.engine.hooks.non_finite_loss_hook import NonFiniteLossHook
from onediff_kit.engine.hooks.plain_checkpoint_state_hook import \
    PlainCheckpointStateHook
from onediff_kit.engine.hooks.random_state_hook import RandomStateHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointMatchHook', 'ConsoleProgressHook',
    'MallocTuningHook', 'NonFiniteLossHook',
    'PlainCheckpointStateHook', 'RandomStateHook'
]

from onediff_kit.engine.hooks.plain_checkpoint_state_hook import \
    PlainCheckpointStateHook

__all__ = ['PlainCheckpointStateHook']

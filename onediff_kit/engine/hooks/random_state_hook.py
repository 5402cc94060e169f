from mmengine.hooks import Hook

from onediff_kit.checkpoint import (random_states_to_plain,
                                    restore_random_states)
from onediff_kit.registry import HOOKS


class _RestoreAfterFastForward:
    """Wraps a train loop's data iterator until resuming has skipped ahead.

    mmengine's ``IterBasedTrainLoop`` fast-forwards a resumed run by fetching
    and dropping the batches the checkpoint already trained on; fetching runs
    the data pipeline, which may draw random numbers. The saved states are
    therefore restored after the skipped batches and before the first batch
    that is trained on, exactly where the uninterrupted run saved them.
    """

    def __init__(self, hook, loop, iterator, skip):
        self.hook = hook
        self.loop = loop
        self.iterator = iterator
        self.skip = skip

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip == 0:
            self.hook.restore_now()
            self.loop.dataloader_iterator = self.iterator
        else:
            self.skip -= 1
        return next(self.iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random number generators with a checkpoint; restore on resume.

    The python, numpy and torch (CPU and CUDA) generator states are stored in
    ``checkpoint['random_states']`` as tensors and plain lists, so the
    checkpoint still loads with ``weights_only=True``. With ``resume`` they
    are restored right before the first trained batch, so a resumed run draws
    the same dropout masks and augmentations as one that was never stopped.
    Loading weights with ``load_from`` (no resume) leaves the generators
    alone.

    The wrapper goes around the loop's ``dataloader_iterator`` in
    ``before_train``, so a loop must keep that iterator for the whole run
    (``MultiStageTrainLoop`` does: its one ``StageDataIterator`` switches
    dataloaders between stages). A loop that replaced it after
    ``before_train`` would bypass the wrapper; the states are then restored
    in ``before_train_iter`` of the first resumed iteration instead: exact
    for the model's randomness (dropout), while random augmentations of that
    one batch, if drawn in the main process, may differ.

    In distributed training the checkpoint holds rank 0's states and every
    rank gets them back, which is exact with ``randomness.diff_rank_seed``
    False (the default), where all ranks share one stream.
    """
    priority = 'NORMAL'

    def __init__(self):
        self._pending = None
        self._to_restore = None

    def restore_now(self):
        """Restore the states of the resumed checkpoint, once."""
        if self._to_restore is not None:
            restore_random_states(self._to_restore)
            self._to_restore = None

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint['random_states'] = random_states_to_plain()

    def after_load_checkpoint(self, runner, checkpoint):
        states = checkpoint.get('random_states')
        if states is not None:
            self._pending = (checkpoint.get('meta', {}).get('iter'), states)

    def before_train(self, runner):
        if self._pending is None:
            return
        saved_iter, states = self._pending
        self._pending = None
        if runner.iter == 0 or saved_iter != runner.iter:
            return  # weights from load_from, not a resumed run
        self._to_restore = states
        loop = runner.train_loop
        iterator = getattr(loop, 'dataloader_iterator', None)
        if iterator is None:  # epoch-based loops do not fast-forward
            self.restore_now()
            return
        loop.dataloader_iterator = _RestoreAfterFastForward(
            self, loop, iterator, runner.iter)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.restore_now()

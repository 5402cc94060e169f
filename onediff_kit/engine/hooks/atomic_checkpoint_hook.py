import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from onediff_kit.fileio import atomic_write_bytes, remove_stale_temporaries
from onediff_kit.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """A :class:`mmengine.hooks.CheckpointHook` that survives being killed.

    Differences from mmengine's hook, which otherwise it is:

    - checkpoints are written to a temporary file in the same directory,
      fsynced and renamed into place (the ``'atomic_local'`` file backend);
    - the ``last_checkpoint`` marker is rewritten the same way and only after
      the checkpoint it names is complete;
    - a checkpoint beyond ``max_keep_ckpts`` is deleted after the new one is
      saved, not before, so a kill during a save never leaves the marker
      pointing at a deleted or half-written file;
    - temporaries left by a killed run are removed before training starts.

    Args:
        backend_args (dict, optional): as for ``CheckpointHook``. Defaults to
            ``dict(backend='atomic_local')``; other backends (e.g. object
            stores) are used as given and are only as atomic as they are.
        **kwargs: every other argument of
            :class:`mmengine.hooks.CheckpointHook` (``interval``,
            ``by_epoch``, ``max_keep_ckpts``, ``save_best``, ...).
    """

    def __init__(self, backend_args=None, **kwargs):
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(backend_args=backend_args, **kwargs)

    def before_train(self, runner):
        super().before_train(runner)
        if is_main_process() and osp.isdir(self.out_dir):
            for path in remove_stale_temporaries(self.out_dir):
                runner.logger.warning(
                    f'Removed {path}, an unfinished checkpoint of a run that '
                    'was killed while saving.')

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)

        if not is_main_process():
            return
        atomic_write_bytes(
            osp.join(runner.work_dir, 'last_checkpoint'),
            str(self.last_ckpt).encode('utf-8'))
        if outdated is not None and outdated != step:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                # checkpoints saved by DeepSpeed are directories
                self.file_backend.rmtree(path)

import bisect
import logging

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from onediff_kit.config_check import ConfigError
from onediff_kit.registry import LOOPS


def _refreezable_fsdp(model):
    """Whether ``model`` is FSDP with ``use_orig_params=True``, which keeps
    the original parameters and reads their ``requires_grad`` at every step
    (a frozen one gets no gradient), so a stage may refreeze parts."""
    try:
        from torch.distributed.fsdp import FullyShardedDataParallel
    except ImportError:
        return False
    return (isinstance(model, FullyShardedDataParallel)
            and getattr(model, '_use_orig_params', False))


@LOOPS.register_module()
class MultiStageTrainLoop(IterBasedTrainLoop):
    """Iteration-based training in consecutive stages, in one run.

    OneDiff trains in two stages: Coupled Sample Training (pseudo pairs made
    of two single-image captions; only some parts train), then multi-task
    tuning on real difference data. Each stage has its own iterations and,
    optionally, its own train dataloader and its own trainable parts. The
    stage is a function of the global iteration, so ``--resume`` continues
    in the right stage, with the right data and the right parts frozen.

    Args:
        runner (Runner): the runner.
        dataloader (DataLoader | dict): the default train dataloader, used
            by stages that give none.
        stages (list[dict]): in order; each has ``name`` (str), ``iters``
            (int), and optionally ``dataloader`` (dict, a train dataloader
            config), ``trainable`` and ``frozen`` (passed to the model's
            ``set_trainable``; omitted: the model's configured ones).
        val_begin (int): first iteration that may validate. Defaults to 1.
        val_interval (int): validation interval. Defaults to 1000.
        dynamic_intervals (list[tuple[int, int]], optional): as in
            mmengine's IterBasedTrainLoop.
    """

    def __init__(self,
                 runner,
                 dataloader,
                 stages,
                 val_begin=1,
                 val_interval=1000,
                 dynamic_intervals=None):
        if not stages:
            raise ConfigError('train_cfg.stages: give at least one stage')
        for i, stage in enumerate(stages):
            if not isinstance(stage, dict):
                raise ConfigError(f'train_cfg.stages[{i}] must be a dict '
                                  f'with name and iters, got {stage!r}')
            for key in ('name', 'iters'):
                if key not in stage:
                    raise ConfigError(
                        f'train_cfg.stages[{i}].{key} is missing: every '
                        'stage needs a name and its iters')
            iters = stage['iters']
            if isinstance(iters, bool) or not isinstance(iters, int) or \
                    iters <= 0:
                raise ConfigError(
                    f'train_cfg.stages[{i}].iters ("{stage["name"]}") must '
                    f'be a positive int, got {iters!r}')
        self.stages = [dict(stage) for stage in stages]
        self.stage_ends = []
        total = 0
        for stage in self.stages:
            total += int(stage['iters'])
            self.stage_ends.append(total)
        super().__init__(runner, dataloader, total, val_begin, val_interval,
                         dynamic_intervals)
        self._loaders = {}
        self._active_stage = None

    def stage_index(self, iteration):
        """Index of the stage that trains global iteration ``iteration``."""
        return min(bisect.bisect_right(self.stage_ends, iteration),
                   len(self.stages) - 1)

    def _stage_loader(self, index):
        stage = self.stages[index]
        if stage.get('dataloader') is None:
            return self.dataloader
        if index not in self._loaders:
            self._loaders[index] = self.runner.build_dataloader(
                stage['dataloader'], seed=self.runner.seed)
        return self._loaders[index]

    def _enter_stage(self, index):
        stage = self.stages[index]
        begin = self.stage_ends[index] - int(stage['iters'])
        model = self.runner.model
        if 'trainable' in stage or 'frozen' in stage:
            if _refreezable_fsdp(model):
                model = model.module
            if is_model_wrapper(model):
                raise RuntimeError(
                    f'stage "{stage["name"]}" changes the trainable parts of '
                    'a model wrapped for distributed training, whose '
                    'gradient synchronisation is fixed at wrap time; keep '
                    '`trainable`/`frozen` the same in all stages, train '
                    'the stages as separate runs chained with load_from, or '
                    'use FSDPStrategy with model_wrapper.use_orig_params='
                    'True')
            model.set_trainable(
                stage.get('trainable'), stage.get('frozen', ()))
        loader = self._stage_loader(index)
        self.dataloader_iterator = _InfiniteDataloaderIterator(loader)
        skip = self._iter - begin
        if skip > 0:
            print_log(
                f'Advance the "{stage["name"]}" dataloader {skip} steps to '
                'skip data that has already been trained',
                logger='current',
                level=logging.WARNING)
            for _ in range(skip):
                next(self.dataloader_iterator)
        print_log(
            f'Stage {index + 1}/{len(self.stages)} "{stage["name"]}": '
            f'iterations {begin + 1}-{self.stage_ends[index]}',
            logger='current')
        self._active_stage = index

    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        while self._iter < self._max_iters and not self.stop_training:
            index = self.stage_index(self._iter)
            if index != self._active_stage:
                self._enter_stage(index)
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

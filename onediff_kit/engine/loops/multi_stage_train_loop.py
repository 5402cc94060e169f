import bisect

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from onediff_kit.config_check import ConfigError
from onediff_kit.engine.loops.stage_data_iterator import StageDataIterator
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

    It is mmengine's ``IterBasedTrainLoop`` with two changes: its data
    iterator is a :class:`StageDataIterator` (the batch of iteration ``k``
    comes from the stage that trains ``k``), set once when the loop is built,
    and ``run_iter`` switches the trainable parts when a stage begins. The
    loop's ``run`` (and its fast-forward on resume) is mmengine's, so
    ``RandomStateHook`` restores the random states right before the first
    trained batch, in any stage: a killed run resumes exactly.

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
        # One iterator for the whole run, in place of mmengine's, before
        # `before_train`: RandomStateHook wraps it for an exact resume.
        self.dataloader_iterator = StageDataIterator(self)

    def stage_index(self, iteration):
        """Index of the stage that trains global iteration ``iteration``."""
        return min(bisect.bisect_right(self.stage_ends, iteration),
                   len(self.stages) - 1)

    def stage_begin(self, index):
        """The first global iteration (0-based) of stage ``index``."""
        return self.stage_ends[index] - int(self.stages[index]['iters'])

    def stage_loader(self, index):
        """The train dataloader of stage ``index`` (built on first use)."""
        stage = self.stages[index]
        if stage.get('dataloader') is None:
            return self.dataloader
        if index not in self._loaders:
            self._loaders[index] = self.runner.build_dataloader(
                stage['dataloader'], seed=self.runner.seed)
        return self._loaders[index]

    def run_iter(self, data_batch):
        """Enter the stage of this iteration if it changed, then train on
        ``data_batch`` as mmengine's loop does."""
        index = self.stage_index(self._iter)
        if index != self._active_stage:
            self._enter_stage(index)
        super().run_iter(data_batch)

    def _enter_stage(self, index):
        stage = self.stages[index]
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
        print_log(
            f'Stage {index + 1}/{len(self.stages)} "{stage["name"]}": '
            f'iterations {self.stage_begin(index) + 1}-'
            f'{self.stage_ends[index]}',
            logger='current')
        self._active_stage = index

"""ConsoleProgressHook: progress bars with ETA and compact score tables."""
import sys
import time

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from onediff_kit.registry import HOOKS


def metrics_table(metrics, title):
    """Overall scores as one aligned line per metric (``caption``,
    ``semantic``, ...) under ``title``; per-group keys
    (``caption/color/CIDEr``) are left to the files the metrics write."""
    groups = {}
    for key, value in metrics.items():
        if key.count('/') <= 1 and isinstance(value, (int, float)):
            prefix, _, name = key.rpartition('/')
            groups.setdefault(prefix or '-', []).append((name, value))
    if not groups:
        return f'{title}: no scores'
    width = max(len(g) for g in groups)
    lines = [title]
    for prefix, scores in groups.items():
        lines.append(f'  {prefix:<{width}}  ' + '  '.join(
            f'{name} {value:.4f}' for name, value in scores))
    return '\n'.join(lines)


def _duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return (f'{hours}h{minutes:02d}m' if hours else
            f'{minutes}m{seconds:02d}s' if minutes else f'{seconds}s')


@HOOKS.register_module()
class ConsoleProgressHook(Hook):
    """Draws one tqdm bar (with ETA) per training stage, one per
    validation or test run, prints each evaluation's scores as a compact
    table and ends training with a short report. Rank 0 only.

    Stages are those of a loop with ``stages`` and ``stage_ends`` (e.g.
    ``MultiStageTrainLoop``); any other loop is one stage, ``train``.
    ``tools/train.py`` and ``tools/test.py`` add this hook unless
    ``--verbose`` (then mmengine's own log lines show the progress).

    Args:
        stream (str): ``'stderr'`` or ``'stdout'``, where bars and tables
            go. Defaults to ``'stderr'`` (as tqdm).
        loss_interval (int): iterations between loss updates on the bar.
    """
    priority = 'VERY_LOW'

    def __init__(self, stream='stderr', loss_interval=10):
        if stream not in ('stderr', 'stdout'):
            raise ValueError(f'ConsoleProgressHook stream must be "stderr" '
                             f'or "stdout", got {stream!r}')
        self.stream = stream
        self.loss_interval = loss_interval
        self._bar = None
        self._stage = None
        self._start = None

    # ----------------------------------------------------------- helpers
    @property
    def _file(self):
        return getattr(sys, self.stream)

    def _open(self, total, desc, initial=0, leave=True):
        from tqdm import tqdm
        return tqdm(total=total, initial=initial, desc=desc, unit='it',
                    file=self._file, dynamic_ncols=True, leave=leave)

    def _print(self, text):
        from tqdm import tqdm
        tqdm.write(text, file=self._file)

    @staticmethod
    def _stages(loop):
        ends = getattr(loop, 'stage_ends', None)
        stages = getattr(loop, 'stages', None)
        if ends and stages:
            return [(s['name'], end - int(s['iters']), end)
                    for s, end in zip(stages, ends)]
        return [('train', 0, loop.max_iters)]

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    # -------------------------------------------------------------- train
    def before_train(self, runner):
        self._start = time.time()
        self._stage = None

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if not is_main_process():
            return
        it = runner.iter + 1  # iterations done
        stages = self._stages(runner.train_loop)
        index = next((i for i, (_, _, end) in enumerate(stages)
                      if it <= end), len(stages) - 1)
        if index != self._stage:
            self._close()
            name, begin, end = stages[index]
            self._bar = self._open(
                end - begin, f'stage {index + 1}/{len(stages)} {name}',
                initial=it - 1 - begin)
            self._stage = index
        self._bar.update(1)
        loss = (outputs or {}).get('loss')
        if loss is not None and it % self.loss_interval == 0:
            value = float(loss.detach()) if hasattr(loss, 'detach') else \
                float(loss)
            self._bar.set_postfix(loss=f'{value:.4f}', refresh=False)

    def after_train(self, runner):
        if not is_main_process():
            return
        self._close()
        hub = runner.message_hub
        lines = [f'training finished: {runner.iter} iterations in '
                 f'{_duration(time.time() - (self._start or time.time()))}']
        best = hub.get_info('best_ckpt')
        if best:
            lines.append(f'  best checkpoint  {best} (score '
                         f'{hub.get_info("best_score")})')
        lines.append(f'  work dir         {runner.work_dir}')
        log_file = getattr(runner.logger, 'log_file', None)
        if log_file:
            lines.append(f'  full log         {log_file}')
        self._print('\n'.join(lines))

    # -------------------------------------------------------- val / test
    def _open_eval(self, runner, mode):
        if not is_main_process():
            return
        loader = getattr(runner, f'{mode}_dataloader')
        try:
            total = len(loader)
        except TypeError:
            total = None
        return self._open(total, mode, leave=False)

    def before_val_epoch(self, runner):
        self._eval_bar = self._open_eval(runner, 'val')

    def before_test_epoch(self, runner):
        self._eval_bar = self._open_eval(runner, 'test')

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        if getattr(self, '_eval_bar', None) is not None:
            self._eval_bar.update(1)

    after_test_iter = after_val_iter

    def _report(self, runner, metrics, title):
        bar = getattr(self, '_eval_bar', None)
        if bar is not None:
            bar.close()
            self._eval_bar = None
        if is_main_process():
            self._print(metrics_table(metrics or {}, title))

    def after_val_epoch(self, runner, metrics=None):
        self._report(runner, metrics,
                     f'validation at iteration {runner.iter}')

    def after_test_epoch(self, runner, metrics=None):
        self._report(runner, metrics, 'test')

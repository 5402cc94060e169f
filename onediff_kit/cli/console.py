"""What ``onediff train`` and ``onediff test`` show on the console.

By default the console shows a config summary, the progress bars and
tables of :class:`ConsoleProgressHook`, warnings and errors; mmengine's
INFO records (environment, config dump, hook-priority table, iteration
lines) go only to the work dir's log file, which keeps everything.
``--verbose`` shows everything, as mmengine does.

mmengine's ``MMLogger`` gives its console handler the ``sys.stdout`` of
the moment it is built (inside the Runner's constructor) and its file
handler its own level; :func:`runner_console` hands the Runner a
:class:`ConsoleStream` as that stdout, so only the console stream is
filtered and the log file is untouched.
"""
import contextlib
import re
import sys

# Records never worth a console line: mmengine's loops say this each time
# a stage's (finite) dataloader restarts, which the multi-stage loop does
# on purpose.
DROPPED_RECORDS = ('Reach the end of the dataloader', )
# mmengine's own deprecation and metainfo notices, which a user of these
# tools can do nothing about (shown with --verbose).
LIBRARY_RECORDS = ('"FileClient" will be deprecated',
                   '"HardDiskBackend" is the alias of "LocalBackend"',
                   'has no metainfo. ``dataset_meta`` in visualizer')
_ANSI = re.compile(r'\x1b\[[0-9;]*m')
_HEADER = re.compile(r'^\S+ \S+ - \S+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL)'
                     r' - ')
_SHOWN_LEVELS = ('WARNING', 'ERROR', 'CRITICAL')


class ConsoleStream:
    """The console side of mmengine's logger: passes WARNING and worse (and
    any text that is not a log record), drops INFO and DEBUG records and
    :data:`LIBRARY_RECORDS` unless ``verbose``, and always drops
    :data:`DROPPED_RECORDS`.

    Args:
        stream (file): where shown text goes (the real stdout).
        verbose (bool): show INFO and DEBUG records too.
    """

    def __init__(self, stream, verbose=False):
        self.stream = stream
        self.verbose = verbose

    def shows(self, text):
        """Whether one write (one formatted record) reaches the console."""
        plain = _ANSI.sub('', text)
        if any(d in plain for d in DROPPED_RECORDS) or (
                not self.verbose and any(d in plain
                                         for d in LIBRARY_RECORDS)):
            return False
        header = _HEADER.match(plain)
        return (self.verbose or header is None
                or header.group(1) in _SHOWN_LEVELS)

    def write(self, text):
        if self.shows(text):
            return self.stream.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return getattr(self.stream, 'isatty', lambda: False)()


@contextlib.contextmanager
def runner_console(verbose=False):
    """Build a Runner inside this block: its logger's console handler
    writes through a :class:`ConsoleStream`."""
    with contextlib.redirect_stdout(ConsoleStream(sys.stdout, verbose)):
        yield


def add_progress_hook(cfg, verbose):
    """Unless ``verbose``, append ``ConsoleProgressHook`` to the config's
    ``custom_hooks`` (once)."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not verbose and not any(
            h.get('type') == 'ConsoleProgressHook' for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='ConsoleProgressHook')]


def _names(cfg_part):
    if isinstance(cfg_part, dict):
        return cfg_part.get('type', '?')
    return '-' if cfg_part is None else str(cfg_part)


def config_summary(cfg):
    """A few lines that say what this run is: config, work dir, model
    parts, data, stages, batch size, seed."""
    lines = [f'config    {cfg.filename}', f'work dir  {cfg.work_dir}']
    model = cfg.get('model') or {}
    if isinstance(model, dict):
        parts = []
        for part in ('encoder', 'delta', 'projector', 'decoder',
                     'delta_head'):
            if part in model:
                name = _names(model[part])
                backbone = (model[part] or {}).get('backbone') if isinstance(
                    model[part], dict) else None
                if isinstance(backbone, dict) and backbone.get('type'):
                    name += f' ({backbone["type"]})'
                parts.append(f'{part}={name}')
        lines.append(f'model     {model.get("type", "?")}' +
                     (': ' + ', '.join(parts) if parts else ''))
    loader = cfg.get('train_dataloader') or {}
    dataset = loader.get('dataset') or {}
    if dataset:
        where = ' '.join(str(dataset[k]) for k in ('data_root', 'ann_file')
                         if dataset.get(k))
        lines.append(f'data      {dataset.get("type", "?")} {where}'.rstrip()
                     + f' (batch {loader.get("batch_size", "?")})')
    train_cfg = cfg.get('train_cfg') or {}
    stages = train_cfg.get('stages')
    if stages:
        lines.append('stages    ' + ', then '.join(
            f'{s.get("name", "?")} ({s.get("iters", "?")} iters)'
            for s in stages))
    elif train_cfg.get('max_iters'):
        lines.append(f'iters     {train_cfg["max_iters"]}')
    if train_cfg.get('val_interval') and cfg.get('val_dataloader'):
        lines.append(f'validate  every {train_cfg["val_interval"]} iters')
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None:
        lines.append(f'seed      {seed}')
    return '\n'.join(lines)

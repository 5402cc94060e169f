"""Helpers shared by the bench/ scripts (not part of the test suite).

Builds the default-config model, random inputs, and writes result tables to
``bench/results/<name>.md`` (spliced into bench/records/*.md by
``bench/update_benchmarks.py``).
"""
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(ROOT, 'configs/onediff/onediff_mobilenetv2-vdm_synthdiff.py')
# The 900-iteration recipe, which the ablation rows inherit.
RECIPE_900IT = osp.join(
    ROOT, 'configs/onediff/onediff_mobilenetv2-vdm_900it_synthdiff.py')
RESULTS = osp.join(ROOT, 'bench', 'results')

# Delta-module swaps: the full dict of each variant base config
# (configs/_base_/models/onediff_mobilenetv2_<name>.py). mmengine merges dicts
# key by key, so a swap must replace model.delta wholesale.
DELTA_VARIANTS = {
    'VisualDeltaModule': None,  # the default config as it is
    'SubtractDelta': 'subtract',
    'ConcatDelta': 'concat',
    'CrossTransformerDelta': 'crosstransformer',
    'NoDelta': 'nodelta',
}


def variant_delta(name):
    """The ``model.delta`` dict of a variant base config (None = default)."""
    from mmengine.config import Config
    short = DELTA_VARIANTS[name]
    if short is None:
        return None
    cfg = Config.fromfile(osp.join(
        ROOT, f'configs/_base_/models/onediff_mobilenetv2_{short}.py'))
    return cfg.model.delta.to_dict()


def load_cfg(overrides=None, delta=None):
    from mmengine.config import Config
    from onediff_kit.cache import without_feature_cache
    cfg = Config.fromfile(DEFAULT_CONFIG)
    # These benches time the model's own work on in-memory batches; the
    # feature cache is timed through the Runner (bench_train_speed.py).
    cfg.model.encoder = without_feature_cache(cfg.model.encoder)
    if delta is not None:
        cfg.model.delta = delta
        if delta.get('type') == 'NoDelta':
            # No delta tokens for the default's auxiliary head to read.
            cfg.model.delta_head = None
    if overrides:
        cfg.merge_from_dict(overrides)
    return cfg


def build_model(overrides=None, delta=None, quiet=True):
    """The default config's model (cwd must be the repo root for its
    vocabulary file, data/synthdiff/vocab.json)."""
    os.chdir(ROOT)
    if quiet:
        import logging
        from mmengine.logging import MMLogger
        MMLogger.get_instance('mmengine', log_level='WARNING')
        logging.getLogger('mmengine').setLevel(logging.WARNING)
    from mmengine.registry import DefaultScope
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from onediff_kit.registry import MODELS
    if DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('bench', scope_name='onediff_kit')
    cfg = load_cfg(overrides, delta)
    return MODELS.build(cfg.model), cfg


CAPTIONS = [
    'the large cyan cube became green',
    'a small gray cylinder was added',
    'the green rubber cube turned into metal',
    'the red sphere has disappeared',
    'the small purple cylinder moved to a new location',
    'nothing has changed',
]
PROMPT = 'Describe what changed between the two scenes.'


def make_batch(batch, size, seed=0):
    """Random uint8 pairs and data samples, as a ``pseudo_collate`` batch."""
    import torch
    from onediff_kit.structures import DiffDataSample
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (2, 3, size, size), dtype=torch.uint8,
                            generator=g) for _ in range(batch)]
    samples = []
    for i in range(batch):
        s = DiffDataSample()
        s.set_metainfo(dict(pair_id=str(i), prompt=PROMPT, task='synth_diff',
                            gt_caption=CAPTIONS[i % len(CAPTIONS)],
                            captions=[CAPTIONS[i % len(CAPTIONS)]]))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def loadavg():
    return tuple(round(x, 2) for x in os.getloadavg())


def load_str():
    return '/'.join(f'{x:.2f}' for x in os.getloadavg())


def maxrss_mib():
    """Peak resident memory of this process (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(xs):
    return statistics.median(xs)


def machine():
    """One line: CPU model, cores, memory, torch version and threads."""
    import torch
    model = platform.processor() or ''
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith('Model name:'):
                model = line.split(':', 1)[1].strip()
    except OSError:
        pass
    mem = ''
    try:
        with open('/proc/meminfo') as f:
            kb = int(f.readline().split()[1])
        mem = f'{kb / 2**20:.0f} GiB'
    except OSError:
        pass
    return (f'{model}, {os.cpu_count()} CPUs (nproc), {mem} RAM, '
            f'torch {torch.__version__}, {torch.get_num_threads()} torch '
            f'thread(s)')


def md_table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    for r in rows:
        lines.append('| ' + ' | '.join(str(c) for c in r) + ' |')
    return '\n'.join(lines)


def write_result(name, text, command):
    """Print ``text`` and write it, with the command and machine, to
    ``bench/results/<name>.md``."""
    os.makedirs(RESULTS, exist_ok=True)
    stamp = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    body = (f'Command: `{command}`  \n'
            f'Machine: {machine()}  \n'
            f'Run: {stamp}, load average at the end {load_str()} '
            f'(1/5/15 min)\n\n{text.rstrip()}\n')
    path = osp.join(RESULTS, f'{name}.md')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(body)
    print(body)
    print(f'[written to {osp.relpath(path, ROOT)}]')
    return path


def command_line():
    """The command that runs this benchmark again, from the repo root."""
    spec = sys.modules['__main__'].__spec__  # None when run as a file
    script = (['-m', spec.name] if spec is not None else
              [osp.relpath(sys.argv[0], ROOT)])
    return ' '.join([osp.relpath(sys.executable, ROOT)
                     if sys.executable.startswith(ROOT) else 'python'] +
                    script + sys.argv[1:])


def set_threads(n):
    """``torch.set_num_threads(n)`` when n is given (None: torch's default,
    one per core)."""
    if n:
        import torch
        torch.set_num_threads(n)


def timer():
    return time.perf_counter()

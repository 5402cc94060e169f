"""Time to write one feature-cache entry: FeatureCache's write (``np.save``
to a temporary file, then ``os.replace``, no fsync) against a
memory-mapped write (``np.lib.format.open_memmap``, ``flush``, then
``os.replace``).

An entry is the default encoder's three levels at 128 px (32x16x16,
96x8x8 and 320x4x4 float32: 75 KiB). The two writes alternate for
``--rounds`` rounds of ``--entries`` entries each, into a temporary
directory under ``--dir`` (on the disk the cache would use).

    .venv/bin/python -m bench.probe_cache_write [--entries 300] [--rounds 3]
        [--dir work_dirs]
"""
import argparse
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time

from bench import _common as C

SHAPES = [(32, 16, 16), (96, 8, 8), (320, 4, 4)]


def write_memmap_flush(folder, paths, levels):
    """The write the cache does not use: msync through flush()."""
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    for path, level in zip(paths, levels):
        array = level.numpy()
        tmp = path + '.tmp.npy'
        out = np.lib.format.open_memmap(tmp, mode='w+', dtype=array.dtype,
                                        shape=array.shape)
        out[...] = array
        out.flush()
        del out
        os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--entries', type=int, default=300)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--dir', default='work_dirs')
    p.add_argument('--name', default='cache_write')
    args = p.parse_args()
    import torch
    from onediff_kit.cache.feature_cache import FeatureCache
    os.makedirs(args.dir, exist_ok=True)
    root = tempfile.mkdtemp(prefix='probe_cache_write_', dir=args.dir)
    cache = FeatureCache(root)
    levels = [torch.rand(s) for s in SHAPES]
    writers = {'open_memmap + flush': write_memmap_flush,
               'np.save (FeatureCache)': cache._write}
    times = {name: [] for name in writers}
    try:
        for r in range(args.rounds):
            for i, (name, write) in enumerate(writers.items()):
                ns = osp.join(root, f'r{r}w{i}')
                start = time.perf_counter()
                for e in range(args.entries):
                    folder, paths = cache._paths(ns, f'{e:08x}', len(SHAPES))
                    write(folder, paths, levels)
                times[name].append(
                    (time.perf_counter() - start) / args.entries * 1e3)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(times['open_memmap + flush'])
    rows = [[name, f'{statistics.median(t):.2f}',
             ' / '.join(f'{x:.2f}' for x in t),
             f'{base / statistics.median(t):.1f}x']
            for name, t in times.items()]
    text = (f'One entry (3 levels, 75 KiB float32), {args.entries} entries '
            f'per round, {args.rounds} interleaved rounds, on the disk of '
            f'`{args.dir}`:\n\n' + C.md_table(
                ['write', 'ms/entry (median)', 'ms/entry per round',
                 'speed-up'], rows))
    C.write_result(args.name, text, C.command_line())


if __name__ == '__main__':
    main()

"""``onediff data render clevr-change``: CLEVR-Change rendered with
Blender, in the release's layout."""
import json
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from onediff_kit.registry import GENERATORS

from . import release
from .scene import SceneRules

BLENDER_SCRIPT = Path(__file__).with_name('blender_scene.py')
INSTALL_HINT = ('install it with `sudo apt-get install blender` (Debian/'
                'Ubuntu) or pass --blender PATH')


class RenderError(RuntimeError):
    """Blender or the assets are missing: nothing can be rendered."""


def check_assets(assets):
    """Read CLEVR's properties.json; raise naming every missing file."""
    assets = Path(assets)
    props_file = assets / 'properties.json'
    if not props_file.is_file():
        raise RenderError(f'--assets {assets}: no properties.json (expected '
                          "clevr-dataset-gen's image_generation/data)")
    props = json.loads(props_file.read_text())
    needed = ['base_scene.blend'] + [
        f'shapes/{stem}.blend' for stem in props.get('shapes', {}).values()
    ] + [f'materials/{stem}.blend'
         for stem in props.get('materials', {}).values()]
    missing = [name for name in needed if not (assets / name).is_file()]
    if missing:
        raise RenderError(f'--assets {assets}: missing {", ".join(missing)}')
    return props


def parse_shard(shard):
    """``'K/N'`` -> ``(K, N)``, K counted from 0 (a Slurm array index)."""
    try:
        k, n = (int(v) for v in str(shard).split('/'))
    except ValueError:
        raise ValueError(f'--shard {shard!r}: expected K/N, e.g. 0/8')
    if not 0 <= k < n:
        raise ValueError(f'--shard {shard}: need 0 <= K < N')
    return k, n


@GENERATORS.register_module(name='clevr-change')
class ClevrChangeRenderer:
    """CLEVR-Change triplets (before, semantic change, distractor) rendered
    by Blender's Cycles from CLEVR's own assets.

    Scenes come from :class:`.scene.SceneRules`, one per ``(seed, index)``,
    so any shard makes the same ones; a triplet with an object hidden in
    one of its images is resampled (CLEVR's pixel rule). Each triplet is
    written as its three PNGs (temporary name, then renamed), a CLEVR
    scene file per image and its description with captions
    (``triplets/``); a finished triplet is skipped on the next run. Every
    run ends by rebuilding the release's index files from all finished
    triplets under ``out``.

    Args:
        assets (str): CLEVR's ``image_generation/data`` folder.
        size (tuple[int]): width, height. Defaults to CLEVR's (480, 320).
        samples (int): Cycles samples per pixel. Defaults to 64
            (docs/clevr_render.md: the time/quality table).
        workers (int): Blender processes at once. Defaults to 1.
        threads (int, optional): render threads per process; defaults to
            the CPUs divided among the workers.
        batch (int): triplets per Blender process (start-up is about
            1.5 s). Defaults to 2.
        min_pixels (int, optional): fewest pixels of each object in each
            image; defaults to CLEVR's 200 at 480x320, scaled by area.
        max_attempts (int): resamples of a triplet whose objects stay
            hidden before it is given up. Defaults to 20.
        blender (str): Blender executable. Defaults to 'blender'.
        rules (dict, optional): keyword arguments of
            :class:`.scene.SceneRules` (jitter sizes, object counts, ...).
        num_captions (int): captions per image pair. Defaults to 5.
    """

    def __init__(self,
                 assets,
                 size=(480, 320),
                 samples=64,
                 workers=1,
                 threads=None,
                 batch=2,
                 min_pixels=None,
                 max_attempts=20,
                 blender='blender',
                 rules=None,
                 num_captions=5):
        self.assets = Path(assets)
        if isinstance(size, int):
            size = (size, size * 2 // 3)
        self.size = tuple(int(v) for v in size)
        self.samples = samples
        self.workers = max(1, int(workers or 1))
        self.threads = threads or max(1, (os.cpu_count() or 1) //
                                      self.workers)
        self.batch = batch
        self.min_pixels = min_pixels if min_pixels is not None else max(
            1, round(200 * self.size[0] * self.size[1] / (480 * 320)))
        self.max_attempts = max_attempts
        self.blender = blender
        self.rules_cfg = dict(rules or {})
        self.num_captions = num_captions

    def _blender(self):
        path = shutil.which(self.blender)
        if path is None:
            raise RenderError(f'Blender not found ({self.blender!r}): '
                              f'{INSTALL_HINT}')
        return path

    def _run_batch(self, blender, props, batch, out, scratch,
                   on_result=None):
        """Render ``batch`` (triplets) in one Blender process; returns
        ``{index: result}`` (``error`` for triplets it never reached).
        ``on_result(result)`` is called as each triplet's result appears,
        for the progress bar."""
        fd, job_file = tempfile.mkstemp(suffix='.json', dir=scratch)
        os.close(fd)
        results_file = job_file[:-5] + '.results.jsonl'
        jobs = [dict(t, images=release.paths(out, t['index']),
                     scratch=scratch) for t in batch]
        for job in jobs:
            for image in job['images'].values():
                for p in image.values():
                    os.makedirs(os.path.dirname(p), exist_ok=True)
        Path(job_file).write_text(json.dumps(dict(
            assets=str(self.assets), properties=props, size=self.size,
            samples=self.samples, threads=self.threads,
            min_pixels=self.min_pixels, results=results_file, jobs=jobs)))
        log_file = job_file[:-5] + '.log'
        results = {}

        def collect():
            if not os.path.exists(results_file):
                return
            for line in Path(results_file).read_text().splitlines():
                r = json.loads(line)
                if r['index'] not in results and on_result:
                    on_result(r)
                results[r['index']] = r

        with open(log_file, 'w') as log:
            proc = subprocess.Popen(
                [blender, '-b', str(self.assets / 'base_scene.blend'),
                 '--python-exit-code', '1', '-P', str(BLENDER_SCRIPT), '--',
                 job_file], stdout=log, stderr=subprocess.STDOUT)
            while proc.poll() is None:
                time.sleep(0.5)
                collect()
        collect()
        tail = Path(log_file).read_text(errors='replace').strip() \
            .splitlines()[-3:]
        for t in batch:
            results.setdefault(t['index'], dict(
                status='error', error=f'Blender exited {proc.returncode}: '
                + ' | '.join(tail)))
        for f in (job_file, results_file, log_file):
            if os.path.exists(f):
                os.remove(f)
        return results

    def generate(self, out_dir, num, seed=0, progress=True, shard='0/1'):
        """Render triplets ``0 .. num-1`` (those of ``shard``) into
        ``out_dir``.

        Returns:
            dict: ``total`` (finished triplets indexed under ``out_dir``),
            ``rendered``, ``skipped`` (already there), ``resampled``
            (hidden objects), ``failed`` (index -> error, after one retry),
            ``seconds``.
        """
        blender = self._blender()
        props = check_assets(self.assets)
        rules = SceneRules(props, **self.rules_cfg)
        k, n = parse_shard(shard)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        mine = [i for i in range(num) if i % n == k]
        todo = [i for i in mine if not release.is_done(out, i)]
        summary = dict(skipped=len(mine) - len(todo), rendered=0,
                       resampled=0, failed={})
        start = time.time()
        attempts = {i: 0 for i in todo}
        errors = {i: 0 for i in todo}
        bar = tqdm(total=len(todo), disable=not progress, unit='triplet',
                   desc=f'render shard {k}/{n}')

        def on_result(result):
            if result['status'] == 'ok':
                bar.update()

        with tempfile.TemporaryDirectory(dir=out,
                                         prefix='.scratch-') as scratch, \
                ThreadPoolExecutor(self.workers) as pool:
            while todo:
                triplets = [rules.triplet(i, seed, attempts[i]) for i in todo]
                # Small runs still keep every worker busy.
                size = max(1, min(self.batch, -(-len(triplets) //
                                               self.workers)))
                batches = [triplets[j:j + size]
                           for j in range(0, len(triplets), size)]
                todo = []
                futures = [pool.submit(self._run_batch, blender, props, b,
                                       out, scratch, on_result)
                           for b in batches]
                for batch, future in zip(batches, futures):
                    results = future.result()
                    for t in batch:
                        i, r = t['index'], results[t['index']]
                        if r['status'] == 'ok':
                            change, no_change = release.captions(
                                t, self.num_captions)
                            release.write_json(
                                release.triplet_path(out, i),
                                dict(t, captions=dict(change=change,
                                                      no_change=no_change)))
                            summary['rendered'] += 1
                        elif r['status'] == 'invisible' and \
                                attempts[i] + 1 < self.max_attempts:
                            attempts[i] += 1
                            summary['resampled'] += 1
                            todo.append(i)
                        elif r['status'] == 'error' and errors[i] == 0:
                            errors[i] += 1
                            todo.append(i)
                        else:
                            summary['failed'][i] = r.get(
                                'error', f'objects hidden after '
                                f'{self.max_attempts} samples')
                            bar.update()
        bar.close()
        summary['total'] = release.write_index(out)
        summary['seconds'] = round(time.time() - start, 1)
        return summary

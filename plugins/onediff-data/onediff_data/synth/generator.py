"""SynthDiffGenerator: the embedded default data set.

Writes ``images/``, ``manifest.jsonl`` (image pairs, train/val/test),
``scenes.jsonl`` (single-image scene captions for coupled samples),
``vocab.json`` (the decoder's word vocabulary) and ``info.json`` into one
folder, the data root. Every pair is a pure function
of (seed, index): the output is identical whatever the number of worker
processes.
"""
import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from onediff_kit.data.manifest import summarize, write_manifest
from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.data.vocab import VOCAB_FILE, write_vocab
from onediff_kit.registry import GENERATORS

from ..datasets.coupled_sample_dataset import DEFAULT_TEMPLATE
from .captions import change_captions, real_captions, scene_captions
from .real_edit import make_real_edit
from .render import (default_camera, distractor_camera, object_box,
                     render_scene)
from .scene import make_change

SCENE_VOCAB = load_scene_vocabulary()

SPLITS = ('train', 'val', 'test')
# Vocabulary texts besides the train and scene captions: the task prompts
# of configs/_base_/datasets/synthdiff.py and the coupled-sample template,
# so that every word the decoder is fed has an id.
VOCAB_TEXTS = (
    'Describe what changed between the two scenes.',
    'Describe the edit made to the photo.',
    'Describe the two images.',
    DEFAULT_TEMPLATE,
)
_KIND_CODE = {'synth': 1, 'real': 2}


def _num_real_before(idx, fraction):
    # Real pairs are spread evenly: index i is real when
    # floor((i + 1) * f) > floor(i * f); floor(i * f) reals come before i.
    return int(np.floor(idx * fraction + 1e-9))


@GENERATORS.register_module(name='SynthDiffGenerator')
class SynthDiffGenerator:
    """Procedural CLEVR-like difference pairs plus edited real photos.

    Each synthetic pair has exactly one change of type color, material, add,
    drop or move, or none (a viewpoint, scale or lighting distractor), the
    six in equal shares as in CLEVR-Change; each carries its scene truth in
    ``meta``, with ``box_before``/``box_after``: where the changed object
    (or pasted shape) is in each image, ``[x0, y0, x1, y1]`` as fractions
    of the image side, None where it is absent.

    Args:
        size (int): image side in pixels. Defaults to 128.
        num_captions (int): reference captions per pair. Defaults to 5.
        real_fraction (float): share of pairs made from real photos (task
            ``real_edit``). Defaults to 0.1.
        split_ratios (tuple[float]): train/val/test shares. Defaults to
            (0.8, 0.1, 0.1).
        min_objects (int): fewest objects in a scene. Defaults to 3.
        max_objects (int): most objects in a scene. Defaults to 8.
        write_scenes (bool): also write ``scenes.jsonl``. Defaults to True.
        vocab_texts (sequence[str]): texts added to ``vocab.json`` after
            the train-split pair captions and the scene captions. Defaults
            to the default configs' task prompts and coupled template.
        workers (int, optional): processes; defaults to the CPU count.
        png_compress_level (int): zlib level of the PNGs. Defaults to 1.
    """

    # What `onediff data synth` and the web page's examples use when no
    # generator is named.
    is_default_generator = True
    # Raised whenever the same seed draws different images; written to
    # info.json, where `onediff demo` compares it to find stale data.
    look_version = 1

    def __init__(self,
                 size=128,
                 num_captions=5,
                 real_fraction=0.1,
                 split_ratios=(0.8, 0.1, 0.1),
                 min_objects=3,
                 max_objects=8,
                 write_scenes=True,
                 vocab_texts=VOCAB_TEXTS,
                 workers=None,
                 png_compress_level=1):
        if not 0 <= real_fraction <= 1:
            raise ValueError(f'real_fraction must be in [0, 1], got '
                             f'{real_fraction}')
        if len(split_ratios) != 3 or abs(sum(split_ratios) - 1) > 1e-6:
            raise ValueError('split_ratios must be 3 numbers summing to 1, '
                             f'got {split_ratios}')
        if not 1 <= min_objects <= max_objects - 1:
            raise ValueError('need 1 <= min_objects < max_objects, got '
                             f'{min_objects}, {max_objects}')
        self.size = int(size)
        self.num_captions = num_captions
        self.real_fraction = real_fraction
        self.split_ratios = tuple(split_ratios)
        self.min_objects = min_objects
        self.max_objects = max_objects
        self.write_scenes = write_scenes
        self.vocab_texts = tuple(vocab_texts)
        self.workers = workers or os.cpu_count() or 1
        self.png_compress_level = png_compress_level

    # ----------------------------------------------------------------- plan
    def plan(self, idx, seed):
        """(kind, change_type, split) of pair ``idx``, without drawing it."""
        n_real = _num_real_before(idx, self.real_fraction)
        is_real = _num_real_before(idx + 1, self.real_fraction) > n_real
        kind = 'real' if is_real else 'synth'
        ordinal = n_real if is_real else idx - n_real
        types = (SCENE_VOCAB.real_change_types if is_real else
                 SCENE_VOCAB.change_types)
        change_type = types[ordinal % len(types)]
        # Whole groups of consecutive ordinals share a split, so every split
        # holds the change types in equal shares.
        group = ordinal // len(types)
        u = np.random.default_rng([seed, _KIND_CODE[kind], group]).random()
        cut = np.cumsum(self.split_ratios)
        split = SPLITS[min(int(np.searchsorted(cut, u, side='right')), 2)]
        return kind, change_type, split

    # ----------------------------------------------------------------- pair
    def make_pair(self, idx, seed, out_dir=None):
        """Draw pair ``idx``; write its images when ``out_dir`` is given.

        Returns:
            tuple: (manifest record, scene record or None, before array,
            after array).
        """
        kind, change_type, split = self.plan(idx, seed)
        rng = np.random.default_rng([seed, 0, idx])
        pair_id = f'{kind}_{idx:06d}'
        before_rel = f'images/{pair_id}_before.png'
        after_rel = f'images/{pair_id}_after.png'
        scene_rec = None
        if kind == 'real':
            before, after, edit = make_real_edit(rng, change_type, self.size)
            before, after = np.asarray(before), np.asarray(after)
            captions = real_captions(edit, rng, self.num_captions)
            meta = dict(edit)
            meta.update(_real_boxes(edit, self.size))
            task = SCENE_VOCAB.tasks['real']
        else:
            change = make_change(rng, change_type, self.min_objects,
                                 self.max_objects)
            cam_before = default_camera()
            cam_after = distractor_camera(change['distractor'], rng) \
                if change_type == 'none' else default_camera()
            before = render_scene(change['objects_before'], self.size,
                                  cam_before)
            after = render_scene(change['objects_after'], self.size,
                                 cam_after)
            captions = change_captions(change, rng, self.num_captions)
            meta = dict(change)
            meta.pop('change_type')
            meta.update(camera_before=cam_before, camera_after=cam_after)
            meta.update(_scene_boxes(change, self.size, cam_before,
                                     cam_after))
            task = SCENE_VOCAB.tasks['synth']
            if self.write_scenes:
                scene_rec = dict(
                    image_id=f'{pair_id}_before',
                    image=before_rel,
                    captions=scene_captions(change['objects_before'], rng,
                                            self.num_captions),
                    split=split,
                    task=SCENE_VOCAB.tasks['scene'],
                    meta=dict(objects=change['objects_before']))
        record = dict(
            pair_id=pair_id,
            before=before_rel,
            after=after_rel,
            captions=captions,
            split=split,
            task=task,
            change_type=change_type,
            meta=meta)
        if out_dir is not None:
            for rel, arr in ((before_rel, before), (after_rel, after)):
                Image.fromarray(arr).save(
                    Path(out_dir) / rel,
                    compress_level=self.png_compress_level)
        return record, scene_rec, before, after

    # ------------------------------------------------------------- data set
    def write_vocab(self, out_dir):
        """Write ``out_dir/vocab.json`` from the train captions of the
        written manifest (and scenes) plus ``vocab_texts``.

        Returns:
            VocabReport: what was written.
        """
        out_dir = Path(out_dir)
        sources = [out_dir / 'manifest.jsonl']
        if self.write_scenes:
            sources.append(out_dir / 'scenes.jsonl')
        return write_vocab(out_dir / VOCAB_FILE, sources,
                           texts=self.vocab_texts)

    def generate(self, out_dir, num, seed=0, progress=True):
        """Write ``num`` pairs into ``out_dir``.

        Args:
            out_dir (str | Path): the data root to create.
            num (int): number of pairs.
            seed (int): the seed; same seed, same files.
            progress (bool): show a tqdm bar.

        Returns:
            dict: counts per split, task and change type, plus seconds.
        """
        from tqdm import tqdm
        if num < 1:
            raise ValueError(f'num must be positive, got {num}')
        out_dir = Path(out_dir)
        (out_dir / 'images').mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        records, scenes = [], []
        jobs = ((self, i, seed, str(out_dir)) for i in range(num))
        chunk = max(1, min(64, num // (self.workers * 8) or 1))
        bar = tqdm(total=num, desc='synth pairs', unit='pair',
                   disable=not progress)
        if self.workers > 1 and num > 1:
            ctx = mp.get_context('fork' if 'fork' in mp.get_all_start_methods()
                                 else 'spawn')
            with ctx.Pool(self.workers) as pool:
                for rec, scene in pool.imap(_work, jobs, chunksize=chunk):
                    records.append(rec)
                    if scene:
                        scenes.append(scene)
                    bar.update()
        else:
            for job in jobs:
                rec, scene = _work(job)
                records.append(rec)
                if scene:
                    scenes.append(scene)
                bar.update()
        bar.close()
        write_manifest(out_dir / 'manifest.jsonl', records)
        if self.write_scenes:
            write_manifest(out_dir / 'scenes.jsonl', scenes)
        summary = summarize(records)
        summary['scenes'] = len(scenes)
        summary['vocab'] = self.write_vocab(out_dir).summary()
        summary['seconds'] = round(time.perf_counter() - start, 2)
        info = dict(
            generator=type(self).__name__, look_version=self.look_version,
            seed=seed, num=num,
            size=self.size, num_captions=self.num_captions,
            real_fraction=self.real_fraction,
            split_ratios=list(self.split_ratios),
            min_objects=self.min_objects, max_objects=self.max_objects,
            **self.extra_info(),
            counts={k: v for k, v in summary.items() if k != 'seconds'})
        with open(out_dir / 'info.json', 'w', encoding='utf-8') as f:
            json.dump(info, f, indent=2)
        return summary

    def extra_info(self):
        """Settings of a subclass that ``info.json`` records too."""
        return {}


def _scene_boxes(change, size, cam_before, cam_after):
    """``box_before``/``box_after``: where the changed object is drawn in
    each image (:func:`object_box`); None where it is absent (before an
    add, after a drop) and for ``none``."""
    boxes = dict(box_before=None, box_after=None)
    i, kind = change['changed_index'], change['change_type']
    if i is None:
        return boxes
    if kind != 'add':
        boxes['box_before'] = object_box(change['objects_before'][i], size,
                                         cam_before)
    if kind != 'drop':
        boxes['box_after'] = object_box(change['objects_after'][i], size,
                                        cam_after)
    return boxes


def _real_boxes(edit, size):
    """The pasted shape's box in each image, as fractions of the side
    (as :func:`_scene_boxes`)."""
    kind = edit['change_type']

    def frac(box):
        return [round(min(max(v / size, 0.0), 1.0), 4) for v in box]

    box = frac(edit['box'])
    return dict(
        box_before=box if kind in ('drop', 'color', 'move') else None,
        box_after=(frac(edit['new_box']) if kind == 'move' else
                   box if kind in ('add', 'color') else None))


def _work(job):
    gen, idx, seed, out_dir = job
    rec, scene, _, _ = gen.make_pair(idx, seed, out_dir)
    return rec, scene

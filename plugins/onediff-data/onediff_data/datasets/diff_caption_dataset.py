"""A dataset of image pairs read from a manifest (docs/data_format.md)."""
import copy
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from onediff_kit.contracts import DEFAULT_PROMPT, PromptedDatasetMixin
from onediff_kit.data.image_io import ImageReadError
from onediff_kit.data.manifest import load_manifest
from onediff_kit.registry import DATASETS, TRANSFORMS


def build_pipeline(pipeline):
    """Build transform configs from onediff_kit's TRANSFORMS registry.

    mmengine's Compose would look them up in the registry of the current
    default scope, which is unset outside a Runner.
    """
    return [
        TRANSFORMS.build(t) if isinstance(t, dict) else t
        for t in (pipeline or [])
    ]


class PairDatasetMixin(PromptedDatasetMixin):
    """Task prompts (the core's :class:`PromptedDatasetMixin`), the
    training-target pick and bad-image handling, shared by the pair
    datasets."""

    def _init_pair_options(self, prompts, default_prompt, caption_pick,
                           on_bad_image, task_prompts=None):
        if caption_pick not in ('random', 'first'):
            raise ValueError(f'caption_pick must be "random" or "first", '
                             f'got {caption_pick!r}')
        if on_bad_image not in ('raise', 'skip'):
            raise ValueError(f'on_bad_image must be "raise" or "skip", got '
                             f'{on_bad_image!r}')
        self._init_prompts(prompts, default_prompt, task_prompts)
        self.caption_pick = caption_pick
        self.on_bad_image = on_bad_image
        self.num_skipped = 0

    def pick_target(self, info):
        """The training target of one item: a reference drawn at random in
        training (``caption_pick='random'``), the first one otherwise."""
        captions = info['captions']
        # np.random is seeded per worker by mmengine (randomness.seed), so
        # the pick is reproducible given the seed and the worker count.
        if self.test_mode or self.caption_pick == 'first':
            return captions[0]
        return captions[np.random.randint(len(captions))]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        info['gt_caption'] = self.pick_target(info)
        try:
            return self.pipeline(info)
        except ImageReadError as exc:
            if self.on_bad_image != 'skip' or self.test_mode:
                raise
            self.num_skipped += 1
            print_log(
                f'{type(self).__name__}: skipped unreadable pair '
                f'{info.get("pair_id")!r} ({exc.reason}: {exc.path}); '
                f'{self.num_skipped} skipped so far in this process',
                logger='current',
                level=30)
            return None


@DATASETS.register_module(name='DiffCaptionDataset')
class DiffCaptionDataset(PairDatasetMixin, BaseDataset):
    """Image pairs with reference captions, from a JSONL manifest.

    Each item is what the pipeline makes of a dict with ``pair_id``,
    ``before_path``, ``after_path`` (relative to ``data_root``),
    ``data_root``, ``captions``, ``gt_caption`` (the training target: one
    reference drawn at random in training, the first in test mode),
    ``task``, ``prompt`` (from ``prompts``), ``change_type`` and
    ``meta``. Images are decoded only by the pipeline. The dataset exposes
    ``prompts``, ``prompt_for(task)`` and ``pipeline``
    (:class:`~onediff_kit.contracts.PromptedDatasetMixin`), which
    inference reuses.

    Args:
        ann_file (str): the manifest, relative to ``data_root`` unless
            absolute.
        data_root (str): folder that the manifest's image paths are
            relative to; no image may lie outside it.
        split (str, optional): keep only this split (train, val, test).
        pipeline (list[dict | callable]): pair transforms.
        prompts (dict, optional): task -> prompt given to the decoder; set
            once per dataset config.
        default_prompt (str): prompt for tasks not in ``prompts``.
        caption_pick (str): 'random' (training default) or 'first'.
        on_bad_image (str): 'raise' (default) stops with an error naming
            the pair and the file; 'skip' counts and logs the pair and
            lets mmengine draw another one (training only, at most
            ``max_refetch`` times per item).
        test_mode (bool): evaluation mode. Defaults to False. Outside
            it, pairs marked ``empty_references`` (no caption to learn;
            docs/data_format.md) are left out and counted in the log.
        max_refetch (int): retries after a skipped pair. Defaults to 100.
        lazy_init (bool): defer reading the manifest. Defaults to False.
        indices (int | Sequence[int], optional): keep only these records.
        serialize_data (bool): store records as one numpy buffer (shared
            between workers). Defaults to True.
        task_prompts (dict, optional): former name of ``prompts``.
    """

    def __init__(self,
                 ann_file,
                 data_root='',
                 split=None,
                 pipeline=(),
                 prompts=None,
                 default_prompt=DEFAULT_PROMPT,
                 caption_pick='random',
                 on_bad_image='raise',
                 test_mode=False,
                 max_refetch=100,
                 lazy_init=False,
                 indices=None,
                 serialize_data=True,
                 task_prompts=None):
        self.split = split
        self._init_pair_options(prompts, default_prompt, caption_pick,
                                on_bad_image, task_prompts)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            pipeline=build_pipeline(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            indices=indices,
            serialize_data=serialize_data,
            max_refetch=max_refetch)

    def load_data_list(self):
        root = self.data_root or osp.dirname(self.ann_file)
        records = load_manifest(self.ann_file, split=self.split, root=root)
        if not self.test_mode:
            records = self._without_empty_references(records)
        data_list = []
        for rec in records:
            data_list.append(
                dict(
                    pair_id=rec['pair_id'],
                    before_path=rec['before'],
                    after_path=rec['after'],
                    data_root=root,
                    captions=list(rec['captions']),
                    task=rec['task'],
                    prompt=self.prompt_for(rec['task']),
                    change_type=rec.get('change_type'),
                    meta=copy.deepcopy(rec.get('meta') or {}),
                    split=rec['split']))
        if not data_list:
            raise ValueError(f'{self.ann_file}: no records of split '
                             f'{self.split!r}')
        return data_list

    def _without_empty_references(self, records):
        """Training records minus the pairs with no caption to learn."""
        kept = [r for r in records if not r.get('empty_references')]
        if len(kept) < len(records):
            skipped = [r['pair_id'] for r in records
                       if r.get('empty_references')]
            print_log(
                f'{type(self).__name__}: {len(skipped)} of {len(records)} '
                f'pairs of split {self.split!r} in {self.ann_file} have only '
                'empty references ("empty_references": true) and are not '
                f'trained on: {", ".join(skipped[:5])}'
                f'{" ..." if len(skipped) > 5 else ""}',
                logger='current',
                level=30)
        return kept

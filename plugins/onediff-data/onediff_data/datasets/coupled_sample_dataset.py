"""Stage 1 of OneDiff: two single-image samples coupled into a pseudo pair."""
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset

from onediff_kit.contracts import DEFAULT_PROMPT
from onediff_kit.data.manifest import ManifestError
from onediff_kit.registry import DATASETS


from .diff_caption_dataset import PairDatasetMixin, build_pipeline
from .single_image_manifest import load_single_image_manifest

DEFAULT_TEMPLATE = 'the first image shows {a} and the second image shows {b}'


@DATASETS.register_module(name='CoupledSampleDataset')
class CoupledSampleDataset(PairDatasetMixin, BaseDataset):
    """Random pairs of single-image caption samples (Coupled Sample
    Training).

    Item ``i`` couples images A and B (distinct), drawn from a generator
    seeded with ``(seed, i)``, so the list of pairs is the same for a seed
    whatever the process. The references are ``template`` filled with the
    k-th caption of A and of B; the training target fills it with one
    caption of each, drawn at random (the first ones in test mode).

    The annotation file is a single-image JSONL (e.g. the generator's
    ``scenes.jsonl``): one object a line with ``image`` (path relative to
    ``data_root``), ``captions`` (list), ``split`` and optionally
    ``image_id``, ``task`` and ``meta``.

    Args:
        ann_file (str): the single-image JSONL.
        data_root (str): folder the image paths are relative to.
        split (str, optional): keep only this split.
        pipeline (list[dict | callable]): pair transforms.
        template (str): how the two captions are joined; must contain
            ``{a}`` and ``{b}``.
        num_pairs (int, optional): pairs per epoch. Defaults to the number
            of single images.
        seed (int): seed of the coupling. Defaults to 0.
        task (str): the task name of coupled pairs. Defaults to 'coupled'.
        prompts (dict, optional): task -> prompt.
        default_prompt (str): prompt when ``task`` has none.
        caption_pick (str): 'random' or 'first'.
        on_bad_image (str): 'raise' or 'skip' (see DiffCaptionDataset).
        test_mode (bool): evaluation mode. Defaults to False.
        max_refetch (int): retries after a skipped pair. Defaults to 100.
        lazy_init (bool): defer reading the annotations. Defaults to False.
        serialize_data (bool): see mmengine's BaseDataset.
        task_prompts (dict, optional): former name of ``prompts``.
    """

    def __init__(self,
                 ann_file,
                 data_root='',
                 split=None,
                 pipeline=(),
                 template=DEFAULT_TEMPLATE,
                 num_pairs=None,
                 seed=0,
                 task='coupled',
                 prompts=None,
                 default_prompt=DEFAULT_PROMPT,
                 caption_pick='random',
                 on_bad_image='raise',
                 test_mode=False,
                 max_refetch=100,
                 lazy_init=False,
                 serialize_data=True,
                 task_prompts=None):
        if '{a}' not in template or '{b}' not in template:
            raise ValueError(f'template must contain {{a}} and {{b}}, got '
                             f'{template!r}')
        self.split = split
        self.template = template
        self.num_pairs = num_pairs
        self.seed = seed
        self.task = task
        self._init_pair_options(prompts, default_prompt, caption_pick,
                                on_bad_image, task_prompts)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            pipeline=build_pipeline(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            serialize_data=serialize_data,
            max_refetch=max_refetch)

    def couple(self, a, b):
        """The coupled target of two captions."""
        return self.template.format(a=a, b=b)

    def load_data_list(self):
        root = self.data_root or osp.dirname(self.ann_file)
        singles = load_single_image_manifest(self.ann_file, self.split, root)
        if len(singles) < 2:
            raise ManifestError(
                self.ann_file, 0, f'need at least 2 single images of split '
                f'{self.split!r} to couple, found {len(singles)}')
        n = self.num_pairs or len(singles)
        data_list = []
        for i in range(n):
            rng = np.random.default_rng([self.seed, i])
            ia, ib = rng.choice(len(singles), size=2, replace=False)
            a, b = singles[int(ia)], singles[int(ib)]
            k = min(len(a['captions']), len(b['captions']))
            captions = [
                self.couple(a['captions'][j], b['captions'][j])
                for j in range(k)
            ]
            data_list.append(
                dict(
                    pair_id=f'coupled_{i:06d}',
                    before_path=a['image'],
                    after_path=b['image'],
                    data_root=root,
                    captions=captions,
                    captions_a=list(a['captions']),
                    captions_b=list(b['captions']),
                    task=self.task,
                    prompt=self.prompt_for(self.task),
                    change_type=None,
                    meta=dict(image_a=a.get('image_id', a['image']),
                              image_b=b.get('image_id', b['image'])),
                    split=self.split))
        return data_list

    def pick_target(self, info):
        if self.test_mode or self.caption_pick == 'first':
            return info['captions'][0]
        a = info['captions_a'][np.random.randint(len(info['captions_a']))]
        b = info['captions_b'][np.random.randint(len(info['captions_b']))]
        return self.couple(a, b)

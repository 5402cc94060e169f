"""Several pair datasets behind one index, each with its task prompt."""
import bisect

from mmengine.dataset import force_full_init

from onediff_kit.contracts import merge_prompt_args
from onediff_kit.registry import DATASETS


@DATASETS.register_module(name='MultiTaskDataset')
class MultiTaskDataset:
    """Concatenate datasets and remember the mixing ratios.

    Index ``i`` reaches dataset ``d`` at ``i - cumulative_sizes[d - 1]``.
    The ratios are used by :class:`MixedTaskSampler`; with any other sampler
    the datasets mix in proportion to their sizes. ``prompts`` is given
    to every sub-dataset that has none of its own, so each sample carries
    its source's prompt.

    Args:
        datasets (list[dict | Dataset]): configs or built datasets.
        ratios (list[float], optional): relative share of each dataset in
            the mixed stream. Defaults to the dataset sizes.
        prompts (dict, optional): task -> prompt for all sub-datasets.
        lazy_init (bool): build but do not yet load the sub-datasets.
        task_prompts (dict, optional): former name of ``prompts``.
    """

    def __init__(self, datasets, ratios=None, prompts=None,
                 lazy_init=False, task_prompts=None):
        given = prompts is not None or task_prompts is not None
        prompts = merge_prompt_args(prompts, task_prompts,
                                    'MultiTaskDataset')
        if not datasets:
            raise ValueError('MultiTaskDataset needs at least one dataset')
        built = []
        for cfg in datasets:
            if isinstance(cfg, dict):
                cfg = dict(cfg)
                if given and cfg.get('prompts') is None and cfg.get(
                        'task_prompts') is None:
                    cfg['prompts'] = dict(prompts)
                cfg['lazy_init'] = True
                built.append(DATASETS.build(cfg))
            else:
                built.append(cfg)
        if ratios is not None:
            if len(ratios) != len(built):
                raise ValueError(f'{len(ratios)} ratios for {len(built)} '
                                 'datasets')
            if any(r < 0 for r in ratios) or sum(ratios) <= 0:
                raise ValueError(f'ratios must be >= 0 with a positive sum, '
                                 f'got {ratios}')
        self.datasets = built
        self._ratios = None if ratios is None else [float(r) for r in ratios]
        self.prompts = prompts
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def full_init(self):
        if self._fully_initialized:
            return
        for ds in self.datasets:
            ds.full_init()
        self.cumulative_sizes = []
        total = 0
        for ds in self.datasets:
            if len(ds) == 0:
                raise ValueError(f'{type(ds).__name__} of MultiTaskDataset '
                                 'is empty')
            total += len(ds)
            self.cumulative_sizes.append(total)
        self._fully_initialized = True

    @property
    def metainfo(self):
        return dict(tasks=[getattr(d, 'task', None) for d in self.datasets])

    @property
    @force_full_init
    def sizes(self):
        """Length of every sub-dataset."""
        return [len(d) for d in self.datasets]

    @property
    @force_full_init
    def ratios(self):
        """Mixing ratios, normalised to sum to 1."""
        raw = self._ratios or self.sizes
        total = sum(raw)
        return [r / total for r in raw]

    @force_full_init
    def locate(self, idx):
        """(dataset index, index inside that dataset) of ``idx``."""
        if idx < 0:
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[d - 1] if d else 0
        return d, idx - start

    @force_full_init
    def get_data_info(self, idx):
        d, i = self.locate(idx)
        return self.datasets[d].get_data_info(i)

    @force_full_init
    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if not self._fully_initialized:
            self.full_init()
        d, i = self.locate(idx)
        return self.datasets[d][i]

"""A sampler that mixes datasets in fixed ratios, resumable exactly."""
import math

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from onediff_kit.registry import DATA_SAMPLERS


def quotas(ratios, block):
    """Integer counts per block by largest remainder (sum == block)."""
    raw = [r * block for r in ratios]
    q = [int(math.floor(x)) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (q[i] - raw[i], i))
    for i in order[:block - sum(q)]:
        q[i] += 1
    return q


@DATA_SAMPLERS.register_module(name='MixedTaskSampler')
class MixedTaskSampler(Sampler):
    """Draw from the datasets of a :class:`MultiTaskDataset` in fixed ratios.

    The stream of indices is a pure function of ``(seed, position)``:

    * positions come in blocks of ``block_size``; a block holds exactly
      ``quota[d]`` draws of dataset ``d`` (ratios by largest remainder), in
      an order shuffled with ``(seed, block)``;
    * the k-th draw of dataset ``d`` (``k = block * quota[d] + rank in
      block``) is element ``k % len(d)`` of a permutation of ``d`` seeded
      with ``(seed, d, k // len(d))``: every sample of ``d`` is seen once
      before any is seen twice.

    Epoch ``e`` covers positions ``[e * n, (e + 1) * n)`` with
    ``n = num_samples``. Resuming is exact: a restarted run with the same
    seed yields the same indices from any position, and ``state_dict()`` /
    ``load_state_dict()`` carry ``(seed, epoch, position)``. mmengine's
    IterBasedTrainLoop resumes by advancing the dataloader ``iter`` steps,
    which replays exactly this stream; to skip those steps without loading
    data, build the sampler with ``start_position`` or call
    ``load_state_dict(dict(epoch=0, position=iters * batch_size *
    world_size))``.

    In distributed runs rank ``r`` of ``w`` takes positions ``p`` with
    ``p % w == r``.

    Args:
        dataset (MultiTaskDataset): must expose ``ratios``, ``sizes`` and
            ``cumulative_sizes``.
        seed (int, optional): defaults to a seed shared by all ranks.
        num_samples (int, optional): positions per epoch. Defaults to
            ``len(dataset)``.
        infinite (bool): iterate without end (InfiniteSampler style).
            Defaults to False.
        block_size (int): positions per ratio block; ratios hold exactly in
            every block. Defaults to 1000.
        start_position (int): position of the first index of epoch 0.
            Defaults to 0.
    """

    def __init__(self,
                 dataset,
                 seed=None,
                 num_samples=None,
                 infinite=False,
                 block_size=1000,
                 start_position=0):
        rank, world_size = get_dist_info()
        self.rank, self.world_size = rank, world_size
        self.dataset = dataset
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.sizes = list(dataset.sizes)
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        self.block_size = int(block_size)
        self.quota = quotas(dataset.ratios, self.block_size)
        self.num_samples = int(num_samples or len(dataset))
        self.infinite = infinite
        self.epoch = 0
        self.position = self._start = int(start_position)
        self._block_cache = (None, None)
        self._perm_cache = {}

    # --------------------------------------------------------------- stream
    def _block(self, b):
        if self._block_cache[0] != b:
            order = np.repeat(np.arange(len(self.quota)), self.quota)
            rng = np.random.default_rng([self.seed, 1, b])
            order = order[rng.permutation(len(order))]
            ranks = np.zeros(len(order), np.int64)
            seen = np.zeros(len(self.quota), np.int64)
            for j, d in enumerate(order):
                ranks[j] = seen[d]
                seen[d] += 1
            self._block_cache = (b, (order, ranks))
        return self._block_cache[1]

    def _perm(self, d, cycle):
        key = (d, cycle)
        if key not in self._perm_cache:
            if len(self._perm_cache) > 4 * len(self.sizes):
                self._perm_cache.clear()
            rng = np.random.default_rng([self.seed, 2, d, cycle])
            self._perm_cache[key] = rng.permutation(self.sizes[d])
        return self._perm_cache[key]

    def index_at(self, position):
        """The dataset index drawn at a global ``position``."""
        b, j = divmod(int(position), self.block_size)
        order, ranks = self._block(b)
        d = int(order[j])
        k = b * self.quota[d] + int(ranks[j])
        cycle, r = divmod(k, self.sizes[d])
        return self.offsets[d] + int(self._perm(d, cycle)[r])

    def __iter__(self):
        start = self._start
        stop = None if self.infinite else (self.epoch + 1) * self.num_samples
        p = start + ((self.rank - start) % self.world_size)
        while stop is None or p < stop:
            index = self.index_at(p)
            p += self.world_size
            # Counts positions handed to the DataLoader, which prefetches
            # ahead of training; resume from iterations done, see above.
            self.position = p
            yield index

    def __len__(self):
        if self.infinite:
            return self.num_samples // self.world_size
        remaining = (self.epoch + 1) * self.num_samples - self._start
        return max(0, math.ceil((remaining - self.rank) / self.world_size))

    # --------------------------------------------------------------- state
    def set_epoch(self, epoch):
        """Start epoch ``epoch`` at its first position (mmengine calls this
        before every epoch)."""
        self.epoch = int(epoch)
        self.position = self._start = self.epoch * self.num_samples

    def state_dict(self):
        """(seed, epoch, position): everything needed to resume."""
        return dict(seed=self.seed, epoch=self.epoch, position=self.position)

    def load_state_dict(self, state):
        """Resume from :meth:`state_dict` (the seed must match)."""
        if int(state.get('seed', self.seed)) != self.seed:
            raise ValueError(f'cannot resume: sampler seed {self.seed} but '
                             f'state has seed {state["seed"]}')
        self.epoch = int(state['epoch'])
        self.position = self._start = int(state['position'])

import logging
import time

from mmengine.logging import print_log


class InfiniteLoaderIterator:
    """Iterates a dataloader without end, one epoch after another.

    At the end of an epoch it logs mmengine's warning, calls ``set_epoch``
    on the sampler (as mmengine's ``IterBasedTrainLoop`` does), so a seeded
    shuffling sampler gives each epoch its own order, and starts the next
    epoch.

    Args:
        dataloader (DataLoader): the loader.
    """

    def __init__(self, dataloader):
        self.dataloader = dataloader
        self.epoch = 0
        self._iterator = iter(dataloader)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._iterator)
        except StopIteration:
            pass
        print_log(
            'Reach the end of the dataloader, it will be restarted and '
            'continue to iterate. It is recommended to use '
            '`mmengine.dataset.InfiniteSampler` to enable the dataloader to '
            'iterate infinitely.', logger='current', level=logging.WARNING)
        self.epoch += 1
        loader = self.dataloader
        sampler = getattr(loader, 'sampler', None)
        if not hasattr(sampler, 'set_epoch'):
            sampler = getattr(getattr(loader, 'batch_sampler', None),
                              'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(self.epoch)
        if getattr(loader, 'num_workers', 0) > 0:
            # As mmengine does: let the workers settle between epochs.
            time.sleep(2)
        self._iterator = iter(loader)
        return next(self._iterator)


class StageDataIterator:
    """The data iterator of a :class:`MultiStageTrainLoop`: the ``k``-th
    batch it gives is a batch of the stage that trains iteration ``k``.

    Each stage reads its own dataloader from its first iteration on, through
    a fresh :class:`InfiniteLoaderIterator` (made when the stage's first
    batch is fetched). It is the loop's ``dataloader_iterator`` for the whole
    run, so mmengine's fast-forward on ``--resume`` (fetch and drop one batch
    per trained iteration) and ``RandomStateHook``'s wrapper around it work
    unchanged. Fetches of the fast-forward that fall in a stage before the
    resumed one return None without reading its data: that stage's loader
    does not feed the later ones.

    Args:
        loop (MultiStageTrainLoop): the loop; gives ``stage_index``,
            ``stage_begin``, ``stage_loader`` and ``iter``.
    """

    def __init__(self, loop):
        self.loop = loop
        self.position = 0
        self.stage = None
        self.iterator = None

    def __iter__(self):
        return self

    def __next__(self):
        loop = self.loop
        position = self.position
        self.position += 1
        index = loop.stage_index(position)
        if position < loop.iter and index < loop.stage_index(loop.iter):
            return None  # fast-forward through a finished stage
        if index != self.stage:
            self.stage = index
            self.iterator = InfiniteLoaderIterator(loop.stage_loader(index))
            skip = loop.iter - position
            if skip > 0:
                print_log(
                    f'Advance the "{loop.stages[index]["name"]}" dataloader '
                    f'{skip} steps to skip data that has already been '
                    'trained', logger='current', level=logging.WARNING)
        return next(self.iterator)

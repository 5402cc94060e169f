"""Random transforms drawn from a fixed set of K variants per sample."""
import hashlib

import numpy as np
from mmcv.transforms import BaseTransform, Compose

from onediff_kit.registry import TRANSFORMS


@TRANSFORMS.register_module()
class FixedVariants(BaseTransform):
    """Run random transforms with one of ``num_variants`` fixed draws per
    sample, so that a feature cache can store every variant.

    Each visit picks a variant ``v`` in ``[0, num_variants)`` at random,
    then runs ``transforms`` with numpy's global random state seeded from
    ``(seed, sample id, v)`` and restores the state afterwards: the same
    sample and variant always give the same pixels. The inner transforms must
    draw from numpy's global random state (the mmcv convention, e.g.
    ``ColorJitterPair``). ``num_variants=1`` makes the augmentation a fixed
    function of the sample; ``None`` runs the transforms untouched (new
    draws on every visit, as without the wrapper), so that a config can
    switch K with ``--cfg-options``. :meth:`draws_per_visit` tells a
    feature cache which of the two it is.

    Required keys: those of ``transforms``, and ``id_key``. Added key:
    ``variant``.

    Args:
        transforms (list[dict]): the random transforms to wrap.
        num_variants (int, optional): K, how many draws each sample can
            get; None = a new draw per visit.
        seed (int): mixed into every variant's seed. Defaults to 0.
        id_key (str): the results key that names the sample. Defaults to
            ``'pair_id'``.
    """

    def __init__(self, transforms, num_variants, seed=0, id_key='pair_id'):
        if num_variants is not None and (
                isinstance(num_variants, bool)
                or not isinstance(num_variants, int) or num_variants < 1):
            raise ValueError('FixedVariants.num_variants must be None or an '
                             f'int >= 1, got {num_variants!r}')
        self.transforms = Compose([
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms])
        self.num_variants = num_variants
        self.seed = int(seed)
        self.id_key = id_key

    @classmethod
    def draws_per_visit(cls, args, draws):
        """Whether a FixedVariants with constructor ``args`` (a config dict
        or a built one's attributes) draws new random numbers on every
        visit: never with an int ``num_variants`` (K fixed draws per
        sample); with None, where an inner transform does (``draws(t)``
        asks about one)."""
        if args.get('num_variants') is not None:
            return False
        inner = args.get('transforms') or ()
        inner = getattr(inner, 'transforms', inner)  # a built Compose
        return any(draws(t) for t in inner)

    def transform(self, results):
        if self.id_key not in results:
            raise KeyError(f'FixedVariants needs the key {self.id_key!r} to '
                           'tell samples apart; the results have '
                           f'{sorted(results)}')
        if self.num_variants is None:
            return self.transforms(results)
        variant = int(np.random.randint(self.num_variants))
        text = f'{self.seed}|{results[self.id_key]}|{variant}'
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4],
                              'little')
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            results = self.transforms(results)
        finally:
            np.random.set_state(state)
        if results is not None:
            results['variant'] = variant
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(num_variants={self.num_variants}, '
                f'seed={self.seed}, transforms={self.transforms.transforms})')

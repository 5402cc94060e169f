"""FixedVariants: K fixed draws of random transforms per sample."""
import numpy as np
import pytest

from onediff_data.transforms import FixedVariants

JITTER = dict(type='ColorJitterPair', brightness=0.2, contrast=0.2,
              saturation=0.1, prob=1.0)


def pair(pair_id, value):
    img = np.full((4, 4, 3), value, np.uint8)
    return dict(pair_id=pair_id, imgs=[img, img.copy()])


def test_fixed_variants_give_k_fixed_draws_per_pair():
    fixed = FixedVariants([JITTER], num_variants=3, seed=0)
    np.random.seed(0)
    seen = {}
    for _ in range(60):
        out = fixed(pair('a', 120))
        seen.setdefault(out['variant'], set()).add(out['imgs'][0].tobytes())
    assert sorted(seen) == [0, 1, 2]
    assert all(len(images) == 1 for images in seen.values())
    assert len({next(iter(v)) for v in seen.values()}) == 3
    # Another seed gives other draws.
    other = FixedVariants([JITTER], num_variants=3, seed=1)
    assert {other(pair('a', 120))['imgs'][0].tobytes()
            for _ in range(30)}.isdisjoint(next(iter(v))
                                           for v in seen.values())
    # The global random state moves by the choice of variant only.
    np.random.seed(5)
    fixed(pair('b', 90))
    after = np.random.rand()
    np.random.seed(5)
    np.random.randint(3)
    assert after == np.random.rand()
    with pytest.raises(ValueError, match='num_variants'):
        FixedVariants([JITTER], num_variants=0)
    with pytest.raises(KeyError, match='pair_id'):
        fixed(dict(imgs=[]))


def test_fixed_variants_none_draws_as_the_transform_alone():
    from onediff_kit.registry import TRANSFORMS
    alone = TRANSFORMS.build(JITTER)
    wrapped = FixedVariants([JITTER], num_variants=None)
    np.random.seed(3)
    a = [alone(pair('a', 100))['imgs'][0] for _ in range(5)]
    np.random.seed(3)
    b = [wrapped(pair('a', 100))['imgs'][0] for _ in range(5)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)

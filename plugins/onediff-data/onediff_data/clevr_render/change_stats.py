"""How much of an image a CLEVR-Change pair changes: the measure the jitter
is matched with.

The share of pixels whose largest channel difference exceeds 20 levels
(0-255), per pair; over a set, its median and 10th/90th percentiles. The
release's figures (201 real triplets) are in :data:`RELEASE`.
"""
from pathlib import Path

import numpy as np
from PIL import Image

THRESHOLD = 20
# Measured on 201 triplets of the CLEVR-Change release: before vs semantic
# after and before vs distractor; (p10, median, p90) of the changed share.
RELEASE = dict(semantic=(0.049, 0.105, 0.193),
               nonsemantic=(0.034, 0.090, 0.188))


def changed_fraction(a, b, threshold=THRESHOLD):
    """Share of pixels of two same-size RGB uint8 arrays that differ by more
    than ``threshold`` levels in some channel."""
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=-1)
    return float((diff > threshold).mean())


def _load(path):
    return np.asarray(Image.open(path).convert('RGB'))


def release_fractions(root, indices):
    """``{'semantic': [...], 'nonsemantic': [...]}`` changed shares of the
    triplets ``indices`` in a release-layout folder ``root``."""
    root = Path(root)
    out = dict(semantic=[], nonsemantic=[])
    for i in indices:
        before = _load(root / 'images' / f'CLEVR_default_{i:06d}.png')
        out['semantic'].append(changed_fraction(before, _load(
            root / 'sc_images' / f'CLEVR_semantic_{i:06d}.png')))
        out['nonsemantic'].append(changed_fraction(before, _load(
            root / 'nsc_images' / f'CLEVR_nonsemantic_{i:06d}.png')))
    return out


def summarize(fractions):
    """``(p10, median, p90)`` of a list of shares."""
    return tuple(float(v) for v in np.percentile(fractions, (10, 50, 90)))

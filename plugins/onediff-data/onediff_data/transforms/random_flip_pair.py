"""Flip both images of a pair, and the caption's left/right words."""
import re

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from onediff_kit.registry import TRANSFORMS

_SWAP = {'left': 'right', 'right': 'left', 'leftmost': 'rightmost',
         'rightmost': 'leftmost'}
_WORDS = re.compile(r'\b(' + '|'.join(_SWAP) + r')\b', re.IGNORECASE)


def swap_left_right(text):
    """'the cube on the left' -> 'the cube on the right' (case kept)."""

    def repl(m):
        word = m.group(0)
        new = _SWAP[word.lower()]
        return new.capitalize() if word[0].isupper() else new

    return _WORDS.sub(repl, text)


@TRANSFORMS.register_module(name='RandomFlipPair')
class RandomFlipPair(BaseTransform):
    """Flip before and after together, horizontally.

    A horizontal flip turns 'left' into 'right', so by default the words
    left/right (and leftmost/rightmost) in ``captions`` and ``gt_caption``
    are swapped with the image. ``meta`` (scene truth) is NOT flipped; use
    this transform only for training. The default configs leave it out.

    Required keys: ``imgs``. Modified keys: ``imgs``, ``captions``,
    ``gt_caption``. Added key: ``flip`` (bool).

    Args:
        prob (float): chance of flipping. Defaults to 0.5.
        swap_caption_words (bool): swap left/right words in the captions.
            Defaults to True; set False only for data whose captions never
            say left or right.
    """

    def __init__(self, prob=0.5, swap_caption_words=True):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.swap_caption_words = swap_caption_words

    @cache_randomness
    def _flip(self):
        return np.random.rand() < self.prob

    def transform(self, results):
        flip = bool(self._flip())
        results['flip'] = flip
        if not flip:
            return results
        results['imgs'] = [
            np.ascontiguousarray(im[:, ::-1]) for im in results['imgs']
        ]
        if self.swap_caption_words:
            if 'captions' in results:
                results['captions'] = [
                    swap_left_right(c) for c in results['captions']
                ]
            if results.get('gt_caption'):
                results['gt_caption'] = swap_left_right(results['gt_caption'])
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'swap_caption_words={self.swap_caption_words})')

"""The same colour jitter on both images of a pair."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from onediff_kit.registry import TRANSFORMS

_GREY = np.array([0.299, 0.587, 0.114], np.float32)


@TRANSFORMS.register_module(name='ColorJitterPair')
class ColorJitterPair(BaseTransform):
    """Jitter brightness, contrast and saturation with one draw per pair.

    Hue is not jittered: a hue shift would turn 'red' into another colour
    and contradict colour captions. Keep the ranges small for the same
    reason.

    Required keys: ``imgs``. Modified keys: ``imgs``. Added key:
    ``color_jitter`` (the factors used).

    Args:
        brightness (float): factor drawn from [1 - b, 1 + b]. Defaults to
            0.2.
        contrast (float): factor drawn from [1 - c, 1 + c]. Defaults to 0.2.
        saturation (float): factor drawn from [1 - s, 1 + s]. Defaults to
            0.1.
        prob (float): chance of jittering. Defaults to 0.8.
    """

    def __init__(self, brightness=0.2, contrast=0.2, saturation=0.1,
                 prob=0.8):
        for name, v in (('brightness', brightness), ('contrast', contrast),
                        ('saturation', saturation)):
            if not 0 <= v < 1:
                raise ValueError(f'{name} must be in [0, 1), got {v}')
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.prob = prob

    @cache_randomness
    def _factors(self):
        if np.random.rand() >= self.prob:
            return None
        return tuple(
            float(np.random.uniform(1 - v, 1 + v))
            for v in (self.brightness, self.contrast, self.saturation))

    def transform(self, results):
        factors = self._factors()
        results['color_jitter'] = factors
        if factors is None:
            return results
        b, c, s = factors
        # Contrast pivots on the mean grey of the BEFORE image, so both
        # images get the identical colour mapping.
        ref = results['imgs'][0].astype(np.float32)
        mean = float((ref @ _GREY).mean()) * b
        out = []
        for im in results['imgs']:
            x = im.astype(np.float32) * b
            x = (x - mean) * c + mean
            grey = (x @ _GREY)[..., None]
            x = (x - grey) * s + grey
            out.append(np.clip(x + 0.5, 0, 255).astype(np.uint8))
        results['imgs'] = out
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation}, '
                f'prob={self.prob})')

"""Pack a pair into ``inputs`` (a uint8 tensor) and a DiffDataSample."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from onediff_kit.registry import TRANSFORMS
from onediff_kit.structures import DiffDataSample

DEFAULT_META_KEYS = ('pair_id', 'before_path', 'after_path', 'task', 'prompt',
                     'captions', 'gt_caption', 'change_type', 'meta',
                     'ori_shapes', 'img_shape', 'flip', 'crop_box')


@TRANSFORMS.register_module(name='PackDiffInputs')
class PackDiffInputs(BaseTransform):
    """Stack before and after into ``(2, 3, H, W)`` uint8, keep the rest as
    metainfo.

    Normalisation is the model's data preprocessor's job (mmpretrain
    style), so pixels stay uint8 here.

    Required keys: ``imgs`` (two arrays of one size). Metainfo: every key
    of ``meta_keys`` present in the results (``pair_id``, ``before_path``,
    ``after_path``, ``task``, ``prompt``, ``captions``, ``gt_caption``,
    ``change_type``, ``meta``, ``ori_shapes``, ...).

    Returns:
        dict: ``inputs`` (torch.uint8, (2, 3, H, W), index 0 = before) and
        ``data_samples`` (:class:`~onediff_kit.structures.DiffDataSample`).

    Args:
        meta_keys (tuple[str]): keys copied into the metainfo.
    """

    def __init__(self, meta_keys=DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results):
        imgs = results['imgs']
        if len(imgs) != 2 or imgs[0].shape != imgs[1].shape:
            raise ValueError(
                f'pair {results.get("pair_id")!r}: PackDiffInputs needs two '
                f'images of one size, got {[im.shape for im in imgs]}; put '
                'ResizePair before it')
        stacked = np.stack(imgs).transpose(0, 3, 1, 2)
        inputs = torch.from_numpy(np.ascontiguousarray(stacked))
        sample = DiffDataSample()
        sample.set_metainfo({
            k: results[k]
            for k in self.meta_keys if k in results
        })
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'

"""Pair transforms: the same operation on the before and the after image."""
from .color_jitter_pair import ColorJitterPair
from .fixed_variants import FixedVariants
from .load_image_pair import LoadImagePair
from .pack_diff_inputs import PackDiffInputs
from .random_flip_pair import RandomFlipPair, swap_left_right
from .random_resized_crop_pair import RandomResizedCropPair
from .resize_pair import ResizePair

__all__ = [
    'ColorJitterPair', 'FixedVariants', 'LoadImagePair', 'PackDiffInputs',
    'RandomFlipPair', 'RandomResizedCropPair', 'ResizePair', 'swap_left_right'
]

"""In-memory image inputs; they live in :mod:`onediff_kit.data.image_inputs`
(the pipeline's loading step converts them), re-exported here."""
from onediff_kit.data.image_inputs import array_to_pil, is_path, to_rgb_array

__all__ = ['array_to_pil', 'is_path', 'to_rgb_array']

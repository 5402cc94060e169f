"""High-level Python API: caption image pairs with a trained checkpoint."""
from onediff_kit.apis.diff_captioner import (CaptionerError, DiffCaptioner,
                                             load_config, resolve_device)
from onediff_kit.data.image_inputs import to_rgb_array

__all__ = ['CaptionerError', 'DiffCaptioner', 'load_config',
           'resolve_device', 'to_rgb_array']

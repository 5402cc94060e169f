"""Data core: the pair manifest and safe image reading (no components)."""
from .image_io import (DEFAULT_MAX_PIXELS, ImageReadError, read_image,
                       read_image_array, resolve_in_root)
from .manifest import (OPTIONAL_KEYS, REQUIRED_KEYS, ManifestError, Problem,
                       check_manifest, load_manifest, summarize,
                       validate_record, write_manifest)

__all__ = [
    'DEFAULT_MAX_PIXELS', 'ImageReadError', 'read_image', 'read_image_array',
    'resolve_in_root', 'OPTIONAL_KEYS', 'REQUIRED_KEYS', 'ManifestError',
    'Problem', 'check_manifest', 'load_manifest', 'summarize',
    'validate_record', 'write_manifest'
]

"""Data core: the pair manifest, the JSONL reader, safe image reading, the
synthetic scene vocabulary and the word vocabulary file (``vocab``,
``word_tokenizer``; imported by name, they load ``tokenizers``); no
components."""
from .image_io import (DEFAULT_MAX_PIXELS, ImageReadError, read_image,
                       read_image_array, resolve_in_root)
from .jsonl import JsonlError, iter_jsonl, read_jsonl
from .manifest import (OPTIONAL_KEYS, REQUIRED_KEYS, ManifestError, Problem,
                       check_manifest, load_manifest, summarize,
                       validate_record, write_manifest)

__all__ = [
    'DEFAULT_MAX_PIXELS', 'ImageReadError', 'read_image', 'read_image_array',
    'resolve_in_root', 'JsonlError', 'iter_jsonl', 'read_jsonl',
    'OPTIONAL_KEYS', 'REQUIRED_KEYS', 'ManifestError',
    'Problem', 'check_manifest', 'load_manifest', 'summarize',
    'validate_record', 'write_manifest'
]

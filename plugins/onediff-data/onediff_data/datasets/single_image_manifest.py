"""Read a single-image caption JSONL (the generator's ``scenes.jsonl``)."""
from onediff_kit.data.image_io import ImageReadError, resolve_in_root
from onediff_kit.data.jsonl import iter_jsonl
from onediff_kit.data.manifest import ManifestError


def load_single_image_manifest(path, split=None, root=None):
    """Records ``{image, captions, split, [image_id, task, meta]}``.

    Args:
        path (str | Path): the JSONL file.
        split (str, optional): keep only this split.
        root (str | Path, optional): data root the image paths must stay
            inside.

    Raises:
        ManifestError: naming the file, line and reason.
    """
    out = []
    for lineno, rec in iter_jsonl(path, what='single-image manifest',
                                  error=ManifestError):
        if not isinstance(rec, dict):
            raise ManifestError(path, lineno, 'expected a JSON object, got '
                                f'{type(rec).__name__}')
        for key in ('image', 'captions', 'split'):
            if key not in rec:
                raise ManifestError(path, lineno, f'missing key "{key}"',
                                    key)
        caps = rec['captions']
        if not isinstance(caps, list) or not caps or not all(
                isinstance(c, str) and c.strip() for c in caps):
            raise ManifestError(path, lineno, 'empty captions',
                                'captions')
        if root is not None:
            try:
                resolve_in_root(rec['image'], root)
            except ImageReadError:
                raise ManifestError(
                    path, lineno,
                    f'"image" path outside the root: {rec["image"]}',
                    'image') from None
        if split is None or rec['split'] == split:
            out.append(rec)
    return out

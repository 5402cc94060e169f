"""Read a single-image caption JSONL (the generator's ``scenes.jsonl``)."""
import json
from pathlib import Path

from onediff_kit.data.image_io import ImageReadError, resolve_in_root
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
    path = Path(path)
    if not path.is_file():
        raise ManifestError(path, 0, 'single-image manifest not found')
    out = []
    with open(path, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            try:
                text = raw.decode('utf-8')
            except UnicodeDecodeError:
                raise ManifestError(path, lineno,
                                    'bytes that are not UTF-8') from None
            if not text.strip():
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ManifestError(path, lineno,
                                    f'bad JSON: {exc.msg}') from None
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

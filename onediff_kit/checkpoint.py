"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine checkpoints normally pickle the MessageHub's ``HistoryBuffer``
objects, whose pickles call ``builtins.getattr``; allowing that global would
let any checkpoint run code. Instead :class:`PlainCheckpointStateHook` stores
those buffers as plain lists when saving and rebuilds them after loading, so
our checkpoints hold only tensors and plain containers and no class needs to
be allowlisted. Every local checkpoint load in the process (``--resume``,
``load_from``, ``tools/test.py``) then goes through :func:`load_local`, which
refuses any pickled global outside torch's safe set with a clear error, and
calls a file that is no checkpoint at all (an image, a text file) that.

:func:`onediff_kit.init` switches this on with
:func:`enable_safe_checkpoint_loading`. mmengine has no per-Runner choice of
loader: every load (Runner, strategies, ``init_cfg=dict(type='Pretrained')``)
goes through ``CheckpointLoader``'s scheme table, so the local scheme is
replaced there, through its public ``register_scheme``, and only by ``init``
(importing onediff_kit changes nothing).
"""
import os
import os.path as osp
import pickle
import re
import zipfile

import torch
from mmengine.runner.checkpoint import CheckpointLoader

PLAIN_BUFFER_TAG = '__onediff_history_buffer__'


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds pickled globals that weights_only loading refuses."""


class NotACheckpointError(ValueError):
    """The file is not a PyTorch checkpoint at all (an image, text, ...)."""


# (leading bytes, what a file starting with them is)
_MAGIC = [
    (b'\x89PNG\r\n\x1a\n', 'a PNG image'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF87a', 'a GIF image'),
    (b'GIF89a', 'a GIF image'),
    (b'RIFF', 'a RIFF file (WebP image, WAV audio)'),
    (b'%PDF', 'a PDF document'),
    (b'\x1f\x8b', 'a gzip archive'),
]


def _describe_text(head):
    """What a file starting with ``head`` is if it is text, else None."""
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a cut multi-byte char
            return None
        text = head[:exc.start].decode('utf-8')
    if any(ord(c) < 32 and c not in '\t\n\r\f' for c in text):
        return None
    start = text.lstrip()
    if start[:1] in ('{', '['):
        return 'a JSON text file'
    if start.startswith('---') or re.match(r'[\w.-]+:(\s|$)', start):
        return 'a YAML text file'
    return 'a text file'


def _describe_zip(filename):
    try:
        with zipfile.ZipFile(filename) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return 'a damaged zip archive'
    if any(name.endswith('/data.pkl') or name == 'data.pkl'
           for name in names):
        return None  # torch.save's zip format
    return 'a zip archive without data.pkl (not written by torch.save)'


def not_a_checkpoint(filename):
    """What ``filename`` is when its first bytes show it is no PyTorch
    checkpoint (``'a PNG image'``, ``'an empty file'``, ...), else None.

    Zip checkpoints (``torch.save``) hold a ``data.pkl``; older ones and
    any other pickle return None too: :func:`load_local` judges them by
    what they unpickle.
    """
    with open(filename, 'rb') as f:
        head = f.read(4096)
        if not head:
            return 'an empty file'
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b'PK\x03\x04'):
        return _describe_zip(filename)
    if len(head) > 8 and head[8:10] == b'{"' and int.from_bytes(
            head[:8], 'little') < 100_000_000:
        return ('a safetensors file (load it with '
                'safetensors.torch.load_file)')
    # A pickle (protocol 2+: PROTO opcode first; 0 and 1: a container or
    # global first and the STOP opcode last) is judged by what it holds.
    if head[:1] == b'\x80' or (head[:1] in b'(}])c' and last == b'.'):
        return None
    return _describe_text(head) or 'a binary file of an unknown format'


def _unsafe_globals(filename):
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # not a zip checkpoint: the load error says enough
        return []


def load_local(filename, map_location=None):
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): path of the checkpoint.
        map_location: as for :func:`torch.load`.

    Raises:
        FileNotFoundError: the file does not exist.
        NotACheckpointError: the file is something else (an image, text, an
            empty file, a zip archive that torch.save did not write).
        UnsafeCheckpointError: the file pickles a class or function that is
            not a tensor or plain container.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    what = not_a_checkpoint(filename)
    if what is not None:
        raise NotACheckpointError(
            f'{filename} is not a PyTorch checkpoint (it looks like {what}). '
            'Pass the .pth file that tools/train.py wrote to its work_dir.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as exc:
        names = _unsafe_globals(filename)
        found = ', '.join(names) if names else str(exc).splitlines()[0]
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename}: it contains pickled '
            f'globals that are not tensors or plain containers ({found}). '
            'Unpickling them could run arbitrary code. If you trust the file, '
            'load it deliberately in Python with torch.load(path, '
            'weights_only=False) and save only its "state_dict", or allow '
            'exactly those classes with torch.serialization.add_safe_globals'
            '([...]) before loading.') from None


def _load_local_scheme(filename, map_location=None):
    return load_local(filename, map_location)


def enable_safe_checkpoint_loading():
    """Route mmengine's local checkpoint loading through :func:`load_local`
    (idempotent; :func:`onediff_kit.init` calls it)."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_scheme, force=True)


def history_buffers_to_plain(message_hub_state):
    """Replace HistoryBuffer values with tagged plain dicts (in place)."""
    from mmengine.logging import HistoryBuffer
    scalars = message_hub_state.get('log_scalars', {})
    for key, buf in list(scalars.items()):
        if isinstance(buf, HistoryBuffer):
            log, count = buf.data
            scalars[key] = {
                PLAIN_BUFFER_TAG: True,
                'log_history': [float(v) for v in log],
                'count_history': [int(v) for v in count],
                'max_length': int(buf.max_length),
            }


def numpy_to_plain(obj):
    """Return ``obj`` with numpy scalars and arrays as Python numbers/lists.

    mmengine keeps some runtime info (e.g. iteration times) as numpy
    scalars; weights_only loading would refuse their pickles.
    """
    import numpy as np
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, dict):
        return type(obj)((k, numpy_to_plain(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(numpy_to_plain(v) for v in obj)
    return obj


def plain_to_history_buffers(message_hub_state):
    """Inverse of :func:`history_buffers_to_plain` (in place)."""
    from mmengine.logging import HistoryBuffer
    scalars = message_hub_state.get('log_scalars', {})
    for key, value in list(scalars.items()):
        if isinstance(value, dict) and value.get(PLAIN_BUFFER_TAG):
            scalars[key] = HistoryBuffer(value['log_history'],
                                         value['count_history'],
                                         value['max_length'])


def random_states_to_plain():
    """The python, numpy and torch (CPU and CUDA) RNG states as plain data.

    Tensors, lists and numbers only, so a checkpoint holding them still loads
    with ``weights_only=True``.
    """
    import random

    import numpy as np
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, state, gauss_next = random.getstate()
    states = {
        'python': {
            'version': version,
            'state': list(state),
            'gauss_next': gauss_next
        },
        'numpy': {
            'kind': str(kind),
            'keys': torch.from_numpy(keys.astype(np.int64)),
            'pos': int(pos),
            'has_gauss': int(has_gauss),
            'cached_gaussian': float(cached)
        },
        'torch': torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states):
    """Inverse of :func:`random_states_to_plain`.

    The tensors may come back on a GPU (``resume`` maps a checkpoint to the
    current device); the generators take CPU byte tensors.
    """
    import random

    import numpy as np
    py = states['python']
    random.setstate((py['version'], tuple(py['state']), py['gauss_next']))
    npy = states['numpy']
    np.random.set_state(
        (npy['kind'], npy['keys'].cpu().numpy().astype(np.uint32),
         npy['pos'], npy['has_gauss'], npy['cached_gaussian']))
    torch.set_rng_state(states['torch'].cpu())
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states['cuda']])


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's weights do not fit the model (another architecture)."""


def compare_state_dicts(model_state, ckpt_state):
    """Keys and shapes that differ between a model and a checkpoint.

    Args:
        model_state (dict): the model's ``state_dict()``.
        ckpt_state (dict): the checkpoint's state dict (keys already revised,
            e.g. without a ``module.`` prefix).

    Returns:
        tuple[list, list, list]: keys only the model has (missing), keys only
        the checkpoint has (unexpected), and ``(key, checkpoint shape, model
        shape)`` for tensors of different shapes.
    """
    missing = [k for k in model_state if k not in ckpt_state]
    unexpected = [k for k in ckpt_state if k not in model_state]
    mismatched = []
    for key, value in model_state.items():
        other = ckpt_state.get(key)
        if hasattr(value, 'shape') and hasattr(other, 'shape') and tuple(
                value.shape) != tuple(other.shape):
            mismatched.append((key, tuple(other.shape), tuple(value.shape)))
    return missing, unexpected, mismatched


def describe_mismatch(missing, unexpected, mismatched, limit=20):
    """Human-readable lines for the output of :func:`compare_state_dicts`."""

    def listing(title, items):
        if not items:
            return []
        lines = [f'{title} ({len(items)}):']
        lines += [f'  {item}' for item in items[:limit]]
        if len(items) > limit:
            lines.append(f'  ... and {len(items) - limit} more')
        return lines

    return '\n'.join(
        listing('missing in the checkpoint', missing) +
        listing('unexpected in the checkpoint', unexpected) + listing(
            'shape mismatch', [
                f'{key}: checkpoint {tuple(ckpt)} vs model {tuple(model)}'
                for key, ckpt, model in mismatched
            ]))

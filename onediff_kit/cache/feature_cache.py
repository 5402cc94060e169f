"""A disk cache of a frozen encoder's multi-level features."""
import hashlib
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.logging import print_log
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.dropout import _DropoutNd

from onediff_kit.config_check import ConfigError
from onediff_kit.fileio import atomic_open, atomic_write_text, is_temporary

#: Marker file at the root of every cache directory (``onediff cache``
#: only clears directories that have it).
MARKER = 'onediff_feature_cache.json'
META = 'meta.json'
STORE_DTYPES = ('float32', 'float16')


def tensor_bytes(tensor):
    """The raw bytes of a tensor of any dtype (bfloat16 included)."""
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def weights_digest(module):
    """sha256 of every parameter and buffer: names, dtypes, shapes, bytes."""
    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        h.update(f'{name}|{tensor.dtype}|{tuple(tensor.shape)}|'.encode())
        h.update(tensor_bytes(tensor))
    return h.hexdigest()


def image_digest(image):
    """blake2b of one preprocessed image tensor ``(3, H, W)``: the exact
    pixels the encoder sees, so it covers the image file's content, every
    transform parameter and the preprocessor's normalisation."""
    array = image.detach().cpu().contiguous().numpy()
    h = hashlib.blake2b(digest_size=20)
    h.update(f'{array.dtype}|{array.shape}|'.encode())
    h.update(memoryview(array).cast('B'))
    return h.hexdigest()


class FeatureCache:
    """Serves a frozen encoder's features from disk, computing each image's
    features once.

    Every image of a batch gets a key: the digest of its preprocessed pixels
    (image content + transform parameters + normalisation), inside a
    namespace directory named by the digest of the encoder's config, its
    weights (every parameter and buffer) and the autocast state. A changed
    image, pipeline, encoder config or weight therefore never serves stale
    features: it is a different key. Each level of an entry is one ``.npy``
    file, written under a temporary name and moved into place with
    ``os.replace`` (the last level last, and an entry counts only once its
    last level exists), so a process killed while
    writing leaves no corrupt entry, and DDP ranks writing the same entry at
    once are safe. Entries are read memory-mapped.

    It refuses (:class:`ConfigError`) to serve an encoder with trainable
    parameters (e.g. a later stage that unfreezes it) or with BatchNorm or
    dropout in training mode. :class:`CachedEncoder` puts it in a model.

    The encoder must treat the two images of a pair independently (the
    siamese contract of ``BaseEncoder``); this is checked once per
    namespace.

    Args:
        root (str): cache root directory; one namespace directory per
            encoder digest below it.
        encoder_cfg (dict, optional): the encoder's config, part of the key.
        dtype (str): stored dtype, ``float32`` (exact) or ``float16`` (half
            the disk, features rounded). Part of the key.
        in_eval (bool): whether the model also reads and fills the cache
            outside training (validation, test). Defaults to False: a run
            sees its validation and test images once per evaluation, so
            storing them pays only for a run that validates often.
    """

    def __init__(self, root, encoder_cfg=None, dtype='float32',
                 in_eval=False):
        if dtype not in STORE_DTYPES:
            raise ConfigError(f'feature cache dtype={dtype!r}: use one of '
                              f'{STORE_DTYPES}')
        if not root:
            raise ConfigError('feature cache root is empty: give the cache '
                              'directory')
        self.root = str(root)
        self.encoder_text = json.dumps(encoder_cfg, sort_keys=True,
                                       default=repr)
        self.dtype = dtype
        self.in_eval = bool(in_eval)
        self.pipeline_checked = False
        self.hits = 0
        self.misses = 0
        self.bytes_written = 0
        self._fingerprint = None
        self._weights = None
        self._meta = {}

    # ------------------------------------------------------------- keys
    def _weights_digest(self, encoder):
        # Hash the weights again only when a tensor was replaced or
        # modified in place (load_state_dict bumps _version).
        fingerprint = tuple((name, t.data_ptr(), t._version)
                            for name, t in encoder.state_dict().items())
        if fingerprint != self._fingerprint:
            self._weights = weights_digest(encoder)
            self._fingerprint = fingerprint
        return self._weights

    def namespace(self, encoder):
        """Directory of the entries of this encoder config, weights and
        autocast state."""
        autocast = (torch.is_autocast_enabled('cpu'),
                    str(torch.get_autocast_dtype('cpu')))
        parts = dict(encoder_class=type(encoder).__qualname__,
                     encoder_cfg=self.encoder_text,
                     weights=self._weights_digest(encoder),
                     autocast=autocast if autocast[0] else None,
                     dtype=self.dtype)
        digest = hashlib.sha256(
            json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]
        return osp.join(self.root, digest), parts

    # ----------------------------------------------------------- checks
    def check_frozen(self, encoder):
        trainable = [n for n, p in encoder.named_parameters()
                     if p.requires_grad]
        if trainable:
            raise ConfigError(
                f'the feature cache (CachedEncoder) is on but the encoder '
                f'has {len(trainable)} trainable parameters (e.g. '
                f'{trainable[0]}); cached features would go stale as it '
                'trains. Freeze the encoder in every stage (e.g. '
                "frozen_stages='all' and no stage that unfreezes it) or "
                'train with the encoder unwrapped')
        active = [n or type(m).__name__ for n, m in encoder.named_modules()
                  if m.training and isinstance(m, (_BatchNorm, _DropoutNd))]
        if active:
            raise ConfigError(
                'the feature cache (CachedEncoder) is on but the encoder has '
                f'BatchNorm or dropout in training mode ({active[0]}): its '
                'features change per visit. Freeze it or unwrap it')

    def _check_pairs_independent(self, encoder, images):
        # The first image's features must not depend on its partner.
        first = images[:1, :1]
        with_partner = encoder(images[:1])
        with_zeros = encoder(torch.cat([first, torch.zeros_like(first)], 1))
        for fa, fb in zip(with_partner, with_zeros):
            if not torch.allclose(fa[:, 0].float(), fb[:, 0].float(),
                                  atol=1e-4, rtol=1e-3):
                raise ConfigError(
                    f'feature cache: {type(encoder).__name__} does not '
                    'encode the two images of a pair independently (an '
                    "image's features depend on the other image), so "
                    'per-image features cannot be cached; unwrap it from '
                    'CachedEncoder')

    # ------------------------------------------------------------ store
    def _paths(self, ns, key, n_levels):
        folder = osp.join(ns, key[:2])
        return folder, [osp.join(folder, f'{key}.{i}.npy')
                        for i in range(n_levels)]

    def _load_meta(self, ns):
        meta = self._meta.get(ns)
        if meta is None and osp.isfile(osp.join(ns, META)):
            with open(osp.join(ns, META)) as f:
                meta = json.load(f)
            self._meta[ns] = meta
        return meta

    def _write_meta(self, ns, parts, feats):
        os.makedirs(ns, exist_ok=True)
        marker = osp.join(self.root, MARKER)
        if not osp.isfile(marker):
            atomic_write_text(marker, json.dumps(
                dict(kind='onediff feature cache', layout='namespace/'
                     'key[:2]/key.LEVEL.npy'), indent=1))
        meta = dict(parts, levels=len(feats),
                    out_dtype=str(feats[0].dtype).replace('torch.', ''))
        atomic_write_text(osp.join(ns, META), json.dumps(meta, indent=1))
        self._meta[ns] = meta
        return meta

    def _read(self, paths):
        try:
            return [np.load(p, mmap_mode='r') for p in paths]
        except (OSError, ValueError):  # cleared or half-cleared meanwhile
            return None

    def _write(self, folder, paths, levels):
        for path, level in zip(paths, levels):
            array = level.detach().float().cpu().numpy().astype(self.dtype)
            # No fsync and no open_memmap + flush: both wait for the disk
            # (about 5x slower per entry, bench/probe_cache_write.py), and a
            # killed process loses nothing already written to the page
            # cache. The .npy format is the same; reads memory-map it.
            # The last level is written last: it marks the entry.
            with atomic_open(path, 'wb', fsync=False) as f:
                np.save(f, array)
            self.bytes_written += osp.getsize(path)

    def log_summary(self):
        """Log the entries and size on disk of the whole cache directory."""
        rows = cache_summary(self.root)
        entries = sum(r['entries'] for r in rows)
        size = sum(r['bytes'] for r in rows)
        print_log(f'feature cache {self.root}: {entries} entries in '
                  f'{len(rows)} namespace(s), {size / 2**20:.1f} MiB',
                  logger='current')

    # ------------------------------------------------------------ serve
    @torch.no_grad()
    def __call__(self, encoder, images):
        """The encoder's features of ``images`` ``(B, 2, 3, H, W)``, a tuple
        of ``(B, 2, C_l, h_l, w_l)``, from disk where cached."""
        self.check_frozen(encoder)
        ns, parts = self.namespace(encoder)
        meta = self._load_meta(ns)
        b = images.shape[0]
        flat = images.flatten(0, 1)
        keys = [image_digest(img) for img in flat]
        found = {}
        if meta is not None:
            for key in set(keys):
                arrays = self._read(self._paths(ns, key, meta['levels'])[1])
                if arrays is not None:
                    found[key] = arrays
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        computed = {}
        if missing:
            index = {k: keys.index(k) for k in missing}
            batch = flat[[index[k] for k in missing]]
            if len(missing) % 2:  # the encoder takes pairs
                batch = torch.cat([batch, batch[-1:]])
            feats = encoder(batch.unflatten(0, (-1, 2)))
            if meta is None:
                self._check_pairs_independent(encoder, images)
                meta = self._write_meta(ns, parts, feats)
            levels = [f.flatten(0, 1) for f in feats]
            for j, key in enumerate(missing):
                per_level = [level[j] for level in levels]
                computed[key] = per_level
                self._write(*self._paths(ns, key, meta['levels']), per_level)
        out_dtype = getattr(torch, meta['out_dtype'])
        out = []
        for level in range(meta['levels']):
            first = found[keys[0]] if keys[0] in found else None
            shape = (first[level].shape if first is not None else
                     computed[keys[0]][level].shape)
            rows = np.empty((len(keys), *shape), np.float32)
            for i, key in enumerate(keys):
                rows[i] = (found[key][level] if key in found else
                           computed[key][level].float().cpu().numpy())
            out.append(torch.from_numpy(rows).to(
                device=images.device, dtype=out_dtype).unflatten(0, (b, 2)))
        self.hits += len(keys) - sum(keys.count(k) for k in missing)
        self.misses += sum(keys.count(k) for k in missing)
        return tuple(out)


def cache_summary(root):
    """Entries and bytes per namespace of a cache directory: a list of
    dicts (``namespace``, ``entries``, ``bytes``, ``leftovers`` (temporary
    files of a killed writer), ``meta``)."""
    rows = []
    if not osp.isdir(root):
        return rows
    for name in sorted(os.listdir(root)):
        ns = osp.join(root, name)
        if not osp.isfile(osp.join(ns, META)):
            continue
        with open(osp.join(ns, META)) as f:
            meta = json.load(f)
        last = f'.{meta["levels"] - 1}.npy'
        entries = size = leftovers = 0
        for folder, _, files in os.walk(ns):
            for fname in files:
                try:
                    size += osp.getsize(osp.join(folder, fname))
                except FileNotFoundError:  # a writer renamed or removed it
                    continue
                if is_temporary(fname):
                    leftovers += 1
                elif fname.endswith(last):
                    entries += 1
        rows.append(dict(namespace=name, entries=entries, bytes=size,
                         leftovers=leftovers, meta=meta))
    return rows



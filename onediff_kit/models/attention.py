"""The one attention function of the project, with swappable backends.

Every attention layer (delta modules, decoders) calls :func:`attention`.
Backends live in :data:`onediff_kit.registry.ATTENTION_BACKENDS`:

- ``math``: plain softmax(QK^T/sqrt(d))V; the reference, and the only one
  that can return the attention weights.
- ``sdpa``: :func:`torch.nn.functional.scaled_dot_product_attention`.
- ``xformers``: ``xformers.ops.memory_efficient_attention`` (CUDA only). It
  is an optional extra: it is imported lazily, detected with
  :func:`importlib.util.find_spec` and probed once per device and dtype.

``auto`` resolves per device and dtype to ``xformers`` where it imports and
its probe passes, else to ``sdpa``, and logs that choice once.

The backend is a per-model setting, not a process-wide one: each
:class:`MultiheadAttention` (and any layer that declares an ``attn_backend``
attribute) names its own, and :func:`set_attn_backend` sets it on every
such layer of a model (``OneDiff(attn_backend=...)`` does so for its parts).

Shapes: ``q`` is ``(B, H, Lq, d)``, ``k`` and ``v`` are ``(B, H, Lk, d)``.
``mask`` is boolean (True = may attend) or additive float, broadcastable to
``(B, H, Lq, Lk)``.
"""
import importlib.util
import math

import torch
import torch.nn.functional as F
from mmengine.logging import print_log

from onediff_kit.extras import require_extra
from onediff_kit.registry import ATTENTION_BACKENDS

# (device type, dtype) -> resolved backend name for 'auto'
_auto_choice = {}
# (device type, dtype) -> bool: xformers probe result
_xformers_ok = {}


def causal_mask(lq, lk, device=None):
    """Boolean ``(lq, lk)`` causal mask (True = may attend) aligned to the
    bottom-right corner: query ``i`` sees keys up to ``lk - lq + i``, so the
    last queries of a key/value cache line up with the last keys."""
    return torch.ones(lq, lk, dtype=torch.bool, device=device).tril(lk - lq)


def _with_causal(mask, q, k):
    """``mask`` (None, boolean or additive) combined with the causal mask of
    ``q`` over ``k``, in the same kind."""
    causal = causal_mask(q.shape[-2], k.shape[-2], q.device)
    if mask is None:
        return causal
    if mask.dtype == torch.bool:
        return causal & mask
    return _additive(causal, q.dtype) + mask


def _additive(mask, dtype):
    """A boolean mask as an additive bias of ``dtype``; a float bias cast
    to ``dtype`` (e.g. a float32 attention prior with bfloat16 q/k/v)."""
    if mask is None:
        return None
    if mask.dtype != torch.bool:
        return mask.to(dtype)
    bias = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    return bias.masked_fill(~mask, float('-inf'))


@ATTENTION_BACKENDS.register_module(name='math')
class MathAttention:
    """Reference attention in plain PyTorch; can return the weights."""

    def __call__(self, q, k, v, mask=None, dropout_p=0.0, is_causal=False,
                 need_weights=False):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if is_causal:
            causal = causal_mask(q.shape[-2], k.shape[-2], q.device)
            scores = scores.masked_fill(~causal, float('-inf'))
        if mask is not None:
            scores = scores + _additive(mask, scores.dtype)
        weights = scores.softmax(dim=-1)
        # Rows with every key masked give NaN; they attend to nothing.
        weights = torch.nan_to_num(weights, nan=0.0)
        dropped = F.dropout(weights, p=dropout_p) if dropout_p > 0 else weights
        out = dropped @ v
        return (out, weights) if need_weights else (out, None)


@ATTENTION_BACKENDS.register_module(name='sdpa')
class SdpaAttention:
    """PyTorch's fused scaled_dot_product_attention."""

    def __call__(self, q, k, v, mask=None, dropout_p=0.0, is_causal=False,
                 need_weights=False):
        if need_weights:
            return MathAttention()(q, k, v, mask, dropout_p, is_causal, True)
        if is_causal and (q.shape[-2] != k.shape[-2] or mask is not None):
            # sdpa's is_causal aligns to the top-left corner (with a
            # key/value cache the queries are the last rows) and can not be
            # combined with a mask, so build the mask.
            mask = _with_causal(mask, q, k)
            is_causal = False
        if mask is not None and mask.dtype == torch.bool:
            # A fully masked row gives NaN in sdpa; let it see every key and
            # zero its output instead, as the math backend does.
            empty = ~mask.any(dim=-1, keepdim=True)
            if empty.any():
                out = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=mask | empty, dropout_p=dropout_p)
                return out.masked_fill(empty, 0.0), None
        if mask is not None and mask.dtype != torch.bool:
            mask = _additive(mask, q.dtype)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=is_causal)
        return out, None


@ATTENTION_BACKENDS.register_module(name='xformers')
class XFormersAttention:
    """xformers memory-efficient attention (CUDA only, optional extra)."""

    def __call__(self, q, k, v, mask=None, dropout_p=0.0, is_causal=False,
                 need_weights=False):
        if need_weights:
            return MathAttention()(q, k, v, mask, dropout_p, is_causal, True)
        if q.device.type != 'cuda':
            raise RuntimeError(
                'attention backend "xformers" runs on CUDA only; set '
                'attn_backend="sdpa" (or "auto") for CPU.')
        require_extra('xformers', 'attention backend "xformers"')
        import xformers.ops as xops
        b, h, lq, _ = q.shape
        lk = k.shape[-2]
        bias = None
        if is_causal and mask is None:
            # A structured bias keeps the fast kernels (flash) eligible.
            from xformers.ops.fmha.attn_bias import \
                LowerTriangularFromBottomRightMask
            bias = LowerTriangularFromBottomRightMask()
        elif is_causal:
            mask = _with_causal(mask, q, k)
        if mask is not None and bias is None:
            mask = _additive(mask, q.dtype).expand(b, h, lq, lk)
            # xformers wants the bias storage aligned to 8 elements.
            padded = (lk + 7) // 8 * 8
            storage = torch.zeros(b, h, lq, padded, dtype=q.dtype,
                                  device=q.device)
            storage[..., :lk] = mask
            bias = storage[..., :lk]
        out = xops.memory_efficient_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
            attn_bias=bias, p=dropout_p)
        return out.transpose(1, 2), None


def xformers_available(device, dtype):
    """Whether xformers imports and runs a tiny call on ``device``/``dtype``.

    Probed once per (device type, dtype) and cached.
    """
    device = torch.device(device)
    key = (device.type, dtype)
    if key in _xformers_ok:
        return _xformers_ok[key]
    ok = False
    if device.type == 'cuda' and importlib.util.find_spec('xformers'):
        try:
            q = torch.randn(1, 1, 8, 16, device=device, dtype=dtype)
            XFormersAttention()(q, q, q)
            ok = True
        except Exception as exc:  # a broken build must not stop training
            print_log(f'xformers probe failed on {device.type}/{dtype}: '
                      f'{exc}; using sdpa.', logger='current', level=30)
    _xformers_ok[key] = ok
    return ok


def check_backend(name):
    """``name`` if it is ``auto`` or a registered attention backend.

    Raises:
        KeyError: naming ``attn_backend`` and the known backends.
    """
    if name != 'auto' and ATTENTION_BACKENDS.get(name) is None:
        raise KeyError(f'attn_backend="{name}" is not a registered attention '
                       f'backend; known: auto, '
                       f'{", ".join(sorted(ATTENTION_BACKENDS.module_dict))}')
    return name


def set_attn_backend(module, name):
    """Set the attention backend of every layer inside ``module``.

    Every submodule that declares an ``attn_backend`` attribute (each
    :class:`MultiheadAttention`; a layer that calls :func:`attention`
    itself declares one and passes it as ``backend=``) gets ``name``;
    other models in the process keep theirs.

    Args:
        module (nn.Module): e.g. a whole OneDiff model.
        name (str): ``auto``, ``math``, ``sdpa``, ``xformers`` or any other
            name registered in ``ATTENTION_BACKENDS``.

    Returns:
        int: how many layers were set.
    """
    check_backend(name)
    layers = [m for m in module.modules() if hasattr(m, 'attn_backend')]
    for layer in layers:
        layer.attn_backend = name
    return len(layers)


def resolve_backend(name, device, dtype):
    """Resolve ``auto`` (and ``None``, the same) to a concrete name."""
    name = name or 'auto'
    if name != 'auto':
        return name
    key = (torch.device(device).type, dtype)
    if key not in _auto_choice:
        choice = 'xformers' if xformers_available(device, dtype) else 'sdpa'
        _auto_choice[key] = choice
        print_log(f'attention backend "auto" -> "{choice}" on {key[0]} '
                  f'({dtype}).', logger='current')
    return _auto_choice[key]


_instances = {}


def attention(q, k, v, mask=None, dropout_p=0.0, is_causal=False,
              need_weights=False, backend=None):
    """Scaled dot-product attention through the chosen backend.

    Args:
        q (Tensor): ``(B, H, Lq, d)`` queries.
        k (Tensor): ``(B, H, Lk, d)`` keys.
        v (Tensor): ``(B, H, Lk, d)`` values.
        mask (Tensor, optional): boolean (True = attend) or additive float,
            broadcastable to ``(B, H, Lq, Lk)``.
        dropout_p (float): attention dropout probability.
        is_causal (bool): causal mask aligned to the last query (so it works
            with a key/value cache).
        need_weights (bool): also return the ``(B, H, Lq, Lk)`` weights
            (computed with the math backend).
        backend (str, optional): backend name; None is ``auto``.

    Returns:
        tuple: ``(out (B, H, Lq, d), weights or None)``.
    """
    name = resolve_backend(backend, q.device, q.dtype)
    if name not in _instances:
        cls = ATTENTION_BACKENDS.get(name)
        if cls is None:
            raise KeyError(f'unknown attention backend "{name}"')
        _instances[name] = cls()
    return _instances[name](q, k, v, mask=mask, dropout_p=dropout_p,
                            is_causal=is_causal, need_weights=need_weights)


class MultiheadAttention(torch.nn.Module):
    """Multi-head attention over :func:`attention`, with a key/value cache.

    Args:
        embed_dims (int): model width.
        num_heads (int): number of heads; must divide ``embed_dims``.
        kv_dims (int, optional): width of the keys/values input
            (cross-attention); defaults to ``embed_dims``.
        dropout (float): attention dropout.
        bias (bool): whether the projections have biases.
        attn_backend (str, optional): attention backend of this layer
            (its ``attn_backend`` attribute, which :func:`set_attn_backend`
            sets); None is ``auto``.
    """

    def __init__(self, embed_dims, num_heads, kv_dims=None, dropout=0.0,
                 bias=True, attn_backend=None):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'num_heads={num_heads} must divide '
                             f'embed_dims={embed_dims}')
        kv_dims = kv_dims or embed_dims
        self.num_heads = num_heads
        self.dropout = dropout
        self.attn_backend = attn_backend
        self.q_proj = torch.nn.Linear(embed_dims, embed_dims, bias=bias)
        self.k_proj = torch.nn.Linear(kv_dims, embed_dims, bias=bias)
        self.v_proj = torch.nn.Linear(kv_dims, embed_dims, bias=bias)
        self.out_proj = torch.nn.Linear(embed_dims, embed_dims, bias=bias)

    def _heads(self, x):
        b, n, c = x.shape
        return x.view(b, n, self.num_heads, c // self.num_heads).transpose(
            1, 2)

    def forward(self, x, context=None, mask=None, is_causal=False,
                cache=None, need_weights=False):
        """Attend from ``x`` to ``context`` (``x`` itself if None).

        Args:
            x (Tensor): ``(B, Lq, C)`` queries.
            context (Tensor, optional): ``(B, Lk, C_kv)`` keys/values.
            mask (Tensor, optional): see :func:`attention`.
            is_causal (bool): causal self-attention.
            cache (tuple, optional): ``(k, v)`` of earlier positions, each
                ``(B, H, T, d)``; the new keys/values are appended.
            need_weights (bool): also return attention weights.

        Returns:
            tuple: ``(out (B, Lq, C), weights or None, (k, v))``.
        """
        context = x if context is None else context
        q = self._heads(self.q_proj(x))
        k = self._heads(self.k_proj(context))
        v = self._heads(self.v_proj(context))
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        out, weights = attention(
            q, k, v, mask=mask, is_causal=is_causal,
            dropout_p=self.dropout if self.training else 0.0,
            need_weights=need_weights, backend=self.attn_backend)
        b, h, lq, d = out.shape
        out = out.transpose(1, 2).reshape(b, lq, h * d)
        return self.out_proj(out), weights, (k, v)

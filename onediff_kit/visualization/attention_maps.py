"""Heat maps of where the delta tokens looked, one per image of the pair."""
from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F


def delta_attention_maps(attention, memory_shapes=None, level=None,
                         memory_groups=None, rescale=True):
    """Turn a delta module's attention of one pair into two spatial maps.

    The attention and its layout come from a predicted sample's
    ``delta_attention`` (a dict of ``weights``, ``memory_shapes`` and
    ``memory_groups``, set by ``OneDiff.predict``) or from the delta
    module's :class:`~onediff_kit.contracts.DeltaOutput`
    (``attention[i]``, ``memory_shapes``, ``memory_groups``).

    Two layouts are understood:

    * ``(T, M)``: cross-attention of ``T`` delta tokens over a memory of
      ``M`` feature tokens (:class:`VisualDeltaModule`); the memory holds,
      level after level, one group of ``h*w`` tokens per name in
      ``memory_groups``, with ``(h, w)`` per level in ``memory_shapes``.
      A ``'before'`` group maps onto the before image, an ``'after'`` group
      onto the after image, any other group (``'difference'``, the fused
      ``'pair'``) describes a place in both and counts for both. Weights
      are averaged over the tokens (the heads are averaged by the module);
      each level is rescaled so that uniform attention is 1, the levels are
      upsampled to the finest one and averaged (or one is picked with
      ``level``).
    * ``(2, h, w)``: one spatial map per image already (``SubtractDelta``).

    Args:
        attention (Tensor | np.ndarray | dict): the attention of one pair,
            or a sample's ``delta_attention`` (which brings its layout).
        memory_shapes (sequence[tuple[int, int]], optional): ``(h, w)`` per
            memory level; needed for the ``(T, M)`` layout of a bare
            tensor.
        level (int, optional): use only this memory level (index into
            ``memory_shapes``); None averages all of them.
        memory_groups (sequence[str], optional): the token groups of each
            memory level, in order; None: ``('before', 'after')``.
        rescale (bool): min-max scale to [0, 1] for drawing; False keeps
            the (non-negative) weights, whose sums measure attention mass
            (the pointing game).

    Returns:
        np.ndarray: ``(2, h, w)`` float32 (before, after). With
        ``rescale``: in [0, 1], one min-max scale for both so the two
        images stay comparable; all zero where the attention is uniform.

    Raises:
        ValueError: the attention does not fit the memory shapes.
    """
    if isinstance(attention, Mapping):
        memory_shapes = attention.get('memory_shapes')
        memory_groups = attention.get('memory_groups')
        attention = attention['weights']
    attn = torch.as_tensor(attention).detach().float().cpu()
    if attn.dim() == 3 and attn.shape[0] == 2:
        maps = attn
    elif attn.dim() == 2:
        maps = _memory_maps(attn.mean(0), memory_shapes, level,
                            tuple(memory_groups or ('before', 'after')))
    else:
        raise ValueError('delta attention must be (tokens, memory) or '
                         f'(2, h, w), got {tuple(attn.shape)}')
    maps = maps.clamp(min=0)
    if not rescale:
        return maps.numpy().astype(np.float32)
    low, high = float(maps.min()), float(maps.max())
    # One min-max scale for both images keeps them comparable; attention
    # that is (nearly) uniform has nothing to show and becomes all zero.
    if high - low > 1e-6 * max(high, 1e-12):
        maps = (maps - low) / (high - low)
    else:
        maps = torch.zeros_like(maps)
    return maps.numpy().astype(np.float32)


def _memory_maps(weights, memory_shapes, level, groups):
    if not memory_shapes:
        raise ValueError('(tokens, memory) attention needs the memory_shapes '
                         "of the delta module's DeltaOutput")
    n = len(groups)
    expected = sum(n * h * w for h, w in memory_shapes)
    if weights.numel() != expected:
        raise ValueError(f'attention over {weights.numel()} memory tokens does '
                         f'not match memory_shapes {list(memory_shapes)} '
                         f'with groups {list(groups)} ({expected} tokens)')
    if level is not None and not -len(memory_shapes) <= level < len(
            memory_shapes):
        raise IndexError(f'level={level} is out of range for '
                         f'{len(memory_shapes)} memory levels')
    size = max(memory_shapes, key=lambda hw: hw[0] * hw[1])
    per_level, offset = [], 0
    for h, w in memory_shapes:
        level_weights = weights[offset:offset + n * h * w].view(n, h, w)
        offset += n * h * w
        # Levels have different token counts: 1 = uniform attention.
        level_weights = level_weights / level_weights.sum().clamp(
            min=1e-12) * (n * h * w)
        pair = torch.stack([
            sum(m for g, m in zip(groups, level_weights) if g != skip)
            for skip in ('after', 'before')])
        per_level.append(
            F.interpolate(pair[None], size=size, mode='bilinear',
                          align_corners=False)[0])
    if level is not None:
        return per_level[level]
    return torch.stack(per_level).mean(0)

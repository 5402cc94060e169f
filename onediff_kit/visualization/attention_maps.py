"""Heat maps of where the delta tokens looked, one per image of the pair."""
import numpy as np
import torch
import torch.nn.functional as F


def delta_attention_maps(attention, memory_shapes=None, level=None):
    """Turn a delta module's stored attention into two spatial maps.

    Two layouts are understood:

    * ``(T, M)``: cross-attention of ``T`` delta tokens over a memory of
      ``M`` feature tokens (:class:`VisualDeltaModule`); the memory holds,
      level after level, the ``h*w`` tokens of the before image, then those
      of the after image, with ``(h, w)`` per level in ``memory_shapes``.
      Weights are averaged over the tokens (the heads are averaged by the
      module); each level is rescaled so that uniform attention is 1, the
      levels are upsampled to the finest one and averaged (or one is
      picked with ``level``).
    * ``(2, h, w)``: one spatial map per image already (``SubtractDelta``).

    Args:
        attention (Tensor | np.ndarray): the stored attention of one pair.
        memory_shapes (sequence[tuple[int, int]], optional): ``(h, w)`` per
            memory level; needed for the ``(T, M)`` layout.
        level (int, optional): use only this memory level (index into
            ``memory_shapes``); None averages all of them.

    Returns:
        np.ndarray: ``(2, h, w)`` float32 in [0, 1] (before, after), one
        min-max scale for both so the two images stay comparable; all zero
        where the attention is uniform.

    Raises:
        ValueError: the attention does not fit the memory shapes.
    """
    attn = torch.as_tensor(attention).detach().float().cpu()
    if attn.dim() == 3 and attn.shape[0] == 2:
        maps = attn
    elif attn.dim() == 2:
        maps = _memory_maps(attn.mean(0), memory_shapes, level)
    else:
        raise ValueError('delta attention must be (tokens, memory) or '
                         f'(2, h, w), got {tuple(attn.shape)}')
    maps = maps.clamp(min=0)
    low, high = float(maps.min()), float(maps.max())
    # One min-max scale for both images keeps them comparable; attention
    # that is (nearly) uniform has nothing to show and becomes all zero.
    if high - low > 1e-6 * max(high, 1e-12):
        maps = (maps - low) / (high - low)
    else:
        maps = torch.zeros_like(maps)
    return maps.numpy().astype(np.float32)


def _memory_maps(weights, memory_shapes, level):
    if not memory_shapes:
        raise ValueError('(tokens, memory) attention needs the memory_shapes '
                         'of the delta module')
    expected = sum(2 * h * w for h, w in memory_shapes)
    if weights.numel() != expected:
        raise ValueError(f'attention over {weights.numel()} memory tokens does '
                         f'not match memory_shapes {list(memory_shapes)} '
                         f'({expected} tokens for two images)')
    if level is not None and not -len(memory_shapes) <= level < len(
            memory_shapes):
        raise IndexError(f'level={level} is out of range for '
                         f'{len(memory_shapes)} memory levels')
    size = max(memory_shapes, key=lambda hw: hw[0] * hw[1])
    per_level, offset = [], 0
    for h, w in memory_shapes:
        pair = weights[offset:offset + 2 * h * w].view(2, h, w)
        offset += 2 * h * w
        # Levels have different token counts: 1 = uniform attention.
        pair = pair / pair.sum().clamp(min=1e-12) * (2 * h * w)
        per_level.append(
            F.interpolate(pair[None], size=size, mode='bilinear',
                          align_corners=False)[0])
    if level is not None:
        return per_level[level]
    return torch.stack(per_level).mean(0)

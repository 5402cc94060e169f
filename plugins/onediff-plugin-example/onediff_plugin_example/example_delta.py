"""ExampleDelta: pooled absolute-difference tokens, a small real delta."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.attention import attention
from onediff_kit.models.levels import check_level


class ExampleDelta(BaseDelta):
    """Tokens of ``|B - A|`` pooled to a grid, per chosen encoder level.

    For each level, the absolute difference of the two images' features is
    average-pooled to ``grid x grid`` cells; each cell becomes one token
    through a per-level linear layer plus a learned level embedding. One
    residual self-attention over all tokens, through the project's shared
    :func:`~onediff_kit.models.attention.attention`, lets the cells see each
    other. ``forward`` returns a
    :class:`~onediff_kit.contracts.DeltaOutput` with the tokens
    ``(B, len(levels) * grid**2, out_channels)``; it exposes no attention.
    ``attn_backend`` is the attention backend ``OneDiff`` sets on every
    layer that declares one (None = ``auto``).

    Args:
        in_channels (Sequence[int]): channels of each encoder level; injected
            by ``OneDiff`` from ``encoder.out_channels``.
        out_channels (int): width of the delta tokens.
        levels (Sequence[int]): encoder levels to use (default: the last).
        grid (int): side of the pooled grid per level.
        num_heads (int): heads of the self-attention; must divide
            ``out_channels``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, in_channels, out_channels=256, levels=(-1, ), grid=2,
                 num_heads=4, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if out_channels % num_heads:
            raise ValueError(f'delta.num_heads={num_heads} must divide '
                             f'delta.out_channels={out_channels}')
        self.levels = [check_level(level, in_channels, 'delta.levels')
                       for level in levels]
        self.grid = grid
        self.out_channels = out_channels
        self.proj = nn.ModuleList(
            nn.Linear(in_channels[level], out_channels)
            for level in self.levels)
        self.level_embed = nn.Parameter(
            torch.randn(len(self.levels), out_channels) * 0.02)
        self.num_heads = num_heads
        self.norm = nn.LayerNorm(out_channels)
        self.qkv = nn.Linear(out_channels, 3 * out_channels)
        self.attn_backend = None  # set by OneDiff(attn_backend=...)

    def forward(self, feats, need_attention=False):
        tokens = []
        for i, level in enumerate(self.levels):
            feat = feats[level]  # (B, 2, C, h, w); [:, 0] before, [:, 1] after
            diff = (feat[:, 1] - feat[:, 0]).abs()
            diff = F.adaptive_avg_pool2d(diff, self.grid)
            x = self.proj[i](diff.flatten(2).transpose(1, 2))
            tokens.append(x + self.level_embed[i])
        x = torch.cat(tokens, dim=1)  # (B, N, D)
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm(x)).view(
            b, n, 3, self.num_heads, d // self.num_heads).permute(
                2, 0, 3, 1, 4)
        # attention() returns a pair (out, weights), not a tensor; weights is
        # None unless need_weights=True.
        out, _ = attention(q, k, v, backend=self.attn_backend)
        # out: (B, H, N, d / H)
        tokens = x + out.transpose(1, 2).reshape(b, n, d)
        return DeltaOutput(tokens=tokens, attention=None)  # exposes none

"""MCCFormers-D-style delta: the two images' tokens attend to each other."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.levels import check_level
from onediff_kit.registry import MODELS
from onediff_models.deltas.common import (AttentionBlock, FFNBlock,
                                          sincos_2d)


class CrossLayer(nn.Module):
    """Self-attention within an image, cross-attention to the other, FFN."""

    def __init__(self, embed_dims, num_heads, ffn_dims, dropout):
        super().__init__()
        self.self_attn = AttentionBlock(embed_dims, num_heads, dropout, 1e-6)
        self.cross_attn = AttentionBlock(embed_dims, num_heads, dropout, 1e-6)
        self.ffn = FFNBlock(embed_dims, ffn_dims, dropout, 1e-6)

    def forward(self, x, other):
        x, _ = self.self_attn(x)
        x, _ = self.cross_attn(x, other)
        return self.ffn(x)


@MODELS.register_module()
class CrossTransformerDelta(BaseDelta):
    """Cross transformer between A and B (Qiu et al., MCCFormers-D 2021).

    Both images' tokens at one level update each other through shared
    layers (A attends to B and B to A); the results, pooled to a grid, are
    the delta tokens: ``2 * grid**2`` of them.

    Args:
        in_channels (sequence[int]): channels per encoder level (injected).
        level (int): which encoder level to use.
        embed_dims (int): width.
        num_layers (int): cross layers.
        num_heads (int): attention heads.
        ffn_dims (int): feed-forward hidden width.
        grid (int): output tokens per image form a ``grid x grid`` map.
        dropout (float): dropout.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, in_channels, level=-1, embed_dims=256, num_layers=2,
                 num_heads=4, ffn_dims=1024, grid=2, dropout=0.1,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.level = check_level(level, in_channels, 'delta.level')
        self.out_channels = embed_dims
        self.embed_dims = embed_dims
        self.grid = grid
        self.proj = nn.Linear(in_channels[self.level], embed_dims)
        self.image_embed = nn.Parameter(torch.randn(2, embed_dims) * 0.02)
        self.layers = nn.ModuleList(
            CrossLayer(embed_dims, num_heads, ffn_dims, dropout)
            for _ in range(num_layers))

    def forward(self, feats, need_attention=False):
        """``2 * grid**2`` tokens (A's grid, then B's); no attention."""
        feat = feats[self.level]
        b, _, _, h, w = feat.shape
        x = self.proj(feat.flatten(3).transpose(2, 3))  # (B, 2, h*w, D)
        x = x + sincos_2d(h, w, self.embed_dims, x.device, x.dtype)
        x = x + self.image_embed[None, :, None]
        a, bb = x[:, 0], x[:, 1]
        for layer in self.layers:
            a, bb = layer(a, bb), layer(bb, a)
        out = torch.stack([a, bb], 1).transpose(2, 3).reshape(
            b * 2, self.embed_dims, h, w)
        out = F.adaptive_avg_pool2d(out, self.grid)
        return DeltaOutput(
            out.flatten(2).transpose(1, 2).reshape(b, -1, self.embed_dims))

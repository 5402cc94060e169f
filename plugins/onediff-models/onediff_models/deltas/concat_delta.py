"""Concatenated features of both images, with no explicit difference."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.levels import check_level
from onediff_kit.registry import MODELS


@MODELS.register_module()
class ConcatDelta(BaseDelta):
    """Channel-concatenate A and B at one level, fuse, pool to a grid.

    Args:
        in_channels (sequence[int]): channels per encoder level (injected).
        level (int): which encoder level to use.
        embed_dims (int): width of the output tokens.
        grid (int): tokens form a ``grid x grid`` pooled map.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, in_channels, level=-1, embed_dims=256, grid=2,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.level = check_level(level, in_channels, 'delta.level')
        c = in_channels[self.level]
        self.out_channels = embed_dims
        self.grid = grid
        self.fuse = nn.Sequential(
            nn.Conv2d(2 * c, embed_dims, 1), nn.GELU(),
            nn.Conv2d(embed_dims, embed_dims, 1))

    def forward(self, feats, need_attention=False):
        """Tokens ``(B, grid**2, embed_dims)``; no attention."""
        feat = feats[self.level]
        x = self.fuse(torch.cat([feat[:, 0], feat[:, 1]], dim=1))
        x = F.adaptive_avg_pool2d(x, self.grid)
        return DeltaOutput(x.flatten(2).transpose(1, 2))

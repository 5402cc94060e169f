"""DUDA-style delta: before, after and after minus before, dual attention."""
import torch
import torch.nn as nn

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.levels import check_level
from onediff_kit.registry import MODELS


@MODELS.register_module()
class SubtractDelta(BaseDelta):
    """Dual spatial attention over A, B and B - A (Park et al., DUDA 2019).

    Each image's attention map is predicted from its features and the
    difference; the attended features of A and B and their difference are
    the three delta tokens. With ``need_attention`` it returns the two maps.

    Args:
        in_channels (sequence[int]): channels per encoder level (injected).
        level (int): which encoder level to use.
        embed_dims (int): width of the output tokens.
        init_cfg (dict, optional): mmengine init config.
    """
    exposes_attention = True

    def __init__(self, in_channels, level=-1, embed_dims=256,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.level = check_level(level, in_channels, 'delta.level')
        c = in_channels[self.level]
        self.out_channels = embed_dims
        self.attend = nn.Sequential(
            nn.Conv2d(2 * c, embed_dims, 1), nn.ReLU(inplace=True),
            nn.Conv2d(embed_dims, 1, 1))
        self.proj = nn.Linear(3 * c, embed_dims)
        self.type_embed = nn.Parameter(torch.randn(3, embed_dims) * 0.02)

    def forward(self, feats, need_attention=False):
        """The three delta tokens and, with ``need_attention``, the two
        images' attention maps ``(B, 2, h, w)`` (before, after)."""
        feat = feats[self.level]
        a, b = feat[:, 0], feat[:, 1]
        diff = b - a
        maps = []
        pooled = []
        for x in (a, b):
            logits = self.attend(torch.cat([x, diff], dim=1))
            attn = logits.flatten(1).softmax(-1).view_as(logits)
            maps.append(attn[:, 0])
            pooled.append((x * attn).sum(dim=(2, 3)))
        l_a, l_b = pooled
        l_diff = l_b - l_a
        tokens = torch.stack([
            torch.cat([l_a, l_b, l_diff], dim=1),
            torch.cat([l_a, l_a, l_diff], dim=1),
            torch.cat([l_b, l_b, l_diff], dim=1),
        ], dim=1)
        return DeltaOutput(
            self.proj(tokens) + self.type_embed,
            attention=torch.stack(maps, 1) if need_attention else None)

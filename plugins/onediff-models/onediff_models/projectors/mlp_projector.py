"""Two-layer MLP projector (LLaVA-1.5 style) for image and delta tokens."""
import torch
import torch.nn as nn

from onediff_kit.contracts import BaseProjector
from onediff_kit.registry import MODELS


def _mlp(in_dims, hidden, out_dims, num_layers):
    if num_layers == 1:
        return nn.Linear(in_dims, out_dims)
    layers = [nn.Linear(in_dims, hidden)]
    for _ in range(num_layers - 2):
        layers += [nn.GELU(), nn.Linear(hidden, hidden)]
    layers += [nn.GELU(), nn.Linear(hidden, out_dims)]
    return nn.Sequential(*layers)


@MODELS.register_module()
class MLPProjector(BaseProjector):
    """Projects image tokens and delta tokens to the decoder's width.

    Image and delta tokens have separate MLPs (their widths differ) and a
    learned type embedding each (before image, after image, delta); the
    output is ``[image tokens; delta tokens]``.

    Args:
        image_channels (int): width of image tokens (injected; 0 = none).
        delta_channels (int): width of delta tokens (injected).
        out_channels (int): decoder width (injected).
        hidden_dims (int, optional): MLP hidden width; defaults to
            ``out_channels``.
        num_layers (int): MLP depth (1 = linear).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, image_channels, delta_channels, out_channels,
                 hidden_dims=None, num_layers=2, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        hidden = hidden_dims or out_channels
        self.image_mlp = (_mlp(image_channels, hidden, out_channels,
                               num_layers) if image_channels else None)
        self.delta_mlp = _mlp(delta_channels, hidden, out_channels,
                              num_layers)
        self.type_embed = nn.Parameter(torch.randn(3, out_channels) * 0.02)
        self.out_channels = out_channels

    def forward(self, image_tokens, delta_tokens):
        """``image_tokens (B, 2*n, C_img)`` (A's n then B's n, or None) and
        ``delta_tokens (B, N, C_delta)`` -> ``(B, 2*n + N, out_channels)``.
        """
        parts = []
        if image_tokens is not None:
            if self.image_mlp is None:
                raise ValueError('MLPProjector was built with '
                                 'image_channels=0 but got image tokens')
            x = self.image_mlp(image_tokens)
            n = x.shape[1] // 2
            x = x + self.type_embed[:2].repeat_interleave(n, dim=0)
            parts.append(x)
        parts.append(self.delta_mlp(delta_tokens) + self.type_embed[2])
        return torch.cat(parts, dim=1)

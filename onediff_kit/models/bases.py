"""Base classes that say what each swappable part of OneDiff must do.

``onediff list`` reads ``component_kind`` to tell encoders, delta modules,
projectors and decoders apart inside the one MODELS registry. A delta
module returns a :class:`DeltaOutput` and a decoder's ``predict`` a
:class:`DecoderOutput`; neither keeps state from one call for the next.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule


@dataclass
class DeltaOutput:
    """What a delta module's ``forward`` returns.

    Attributes:
        tokens (Tensor): ``(B, N_delta, out_channels)`` delta tokens
            (``N_delta`` may be 0).
        attention (Tensor, optional): where the tokens looked, only when
            asked for (``need_attention=True``) and the module exposes it:
            per pair either ``(2, h, w)`` maps (before, after), i.e.
            ``(B, 2, h, w)``, or ``(T, M)`` weights of ``T`` tokens over a
            memory of ``M`` positions, i.e. ``(B, T, M)``, laid out as
            ``memory_shapes`` and ``memory_groups`` say. None: none.
        memory_shapes (tuple, optional): ``(h, w)`` per encoder level of the
            memory the ``(T, M)`` weights run over.
        memory_groups (tuple[str], optional): the token groups per level in
            memory order, e.g. ``('before', 'after')`` or
            ``('before', 'after', 'diff')``.

    ``onediff_kit.visualization.delta_attention_maps`` turns one pair's
    attention and this layout into ``(2, h, w)`` maps.
    """
    tokens: torch.Tensor
    attention: Optional[torch.Tensor] = None
    memory_shapes: Optional[Tuple[Tuple[int, int], ...]] = None
    memory_groups: Optional[Tuple[str, ...]] = None


@dataclass
class DecoderOutput:
    """What a decoder's ``predict`` returns.

    Attributes:
        captions (list[str]): one caption per sample.
        beams (list, optional): per sample, every finished beam-search
            hypothesis as ``(caption, score)``, best first (the first is the
            caption). None (greedy search, or the decoder lists no
            alternatives).
    """
    captions: List[str]
    beams: Optional[List[Sequence[Tuple[str, float]]]] = None


class BaseEncoder(BaseModule):
    """Siamese image encoder.

    ``forward(images)`` takes a ``(B, 2, 3, H, W)`` tensor (index 0 = before,
    1 = after) and returns a tuple of multi-level feature maps, each
    ``(B, 2, C_l, h_l, w_l)``, computed with shared weights in ONE batched
    forward. ``out_channels`` lists ``C_l``.
    """
    component_kind = 'encoder'
    out_channels = ()


class BaseDelta(BaseModule):
    """Visual delta module: turns the two images' features into tokens.

    Built with ``in_channels`` (the encoder's ``out_channels``) injected by
    ``OneDiff``. ``forward(feats, need_attention=False)`` returns a
    :class:`DeltaOutput`: the ``(B, N_delta, out_channels)`` tokens and,
    when ``need_attention`` and the module exposes it, where they looked
    (``OneDiff.predict`` puts it on each data sample as
    ``delta_attention`` for heat maps and the pointing game). The module
    keeps nothing from ``forward`` on itself.

    ``exposes_attention`` (class attribute) declares whether
    ``need_attention=True`` gives attention (the pointing game applies).
    """
    component_kind = 'delta'
    out_channels = 0
    exposes_attention = False

    def forward(self, feats, need_attention=False):
        """:class:`DeltaOutput` for the encoder's multi-level ``feats``."""
        raise NotImplementedError


class BaseProjector(BaseModule):
    """Maps image tokens and delta tokens to the decoder's width."""
    component_kind = 'projector'


class BaseDecoder(BaseModule):
    """Language decoder conditioned on a visual prefix.

    ``loss(visual_tokens, data_samples)`` returns a dict of losses (teacher
    forcing). ``predict(visual_tokens, data_samples, num_beams=None,
    max_length=None)`` returns a :class:`DecoderOutput`; ``num_beams`` and
    ``max_length`` of None mean the decoder's configured values (its
    ``num_beams`` and ``max_length`` attributes), so a caller changes the
    decoding of one call without touching the decoder.
    """
    component_kind = 'decoder'

    def predict(self, visual_tokens, data_samples, num_beams=None,
                max_length=None):
        """:class:`DecoderOutput` for the batch."""
        raise NotImplementedError

    @classmethod
    def caption_tokenizer(cls, **cfg):
        """The tokenizer a decoder built from ``cfg`` would use, without
        building the network (``onediff data check`` measures captions with
        it before a long job).

        Returns None (this default: the check counts words) or an object
        with ``encode(text) -> list[int]`` and ``unk_id`` (the id of an
        unknown token; None where every text encodes).
        """
        return None


class BaseDeltaHead(BaseModule):
    """Auxiliary head on the delta tokens (optional part ``delta_head``).

    Built with ``in_channels`` (the delta module's ``out_channels``)
    injected by ``OneDiff``. ``loss(delta_tokens, data_samples)`` returns a
    dict of losses (keys with ``loss`` are summed into the training loss,
    the rest are logged).
    """
    component_kind = 'delta_head'

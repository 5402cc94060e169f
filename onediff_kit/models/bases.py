"""Base classes that say what each swappable part of OneDiff must do.

``onediff list`` reads ``component_kind`` to tell encoders, delta modules,
projectors and decoders apart inside the one MODELS registry.
"""
from mmengine.model import BaseModule


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
    ``OneDiff``. ``forward(feats)`` returns ``(B, N_delta, out_channels)``
    delta tokens (``N_delta`` may be 0).

    ``forward_with_attention(feats)`` returns ``(tokens, attention)``:
    the same tokens and where they looked, which ``OneDiff.predict`` puts
    on each data sample (``delta_attention``) for heat maps and the
    pointing game. ``attention`` is None (this default: the module exposes
    none) or, per pair, either ``(2, h, w)`` maps (before, after) or
    ``(T, M)`` weights of ``T`` tokens over a memory laid out as the
    module's ``memory_shapes`` (``(h, w)`` per level) and ``memory_groups``
    (token groups per level, e.g. ``('before', 'after')``) describe it
    after that call (see ``onediff_kit.visualization.delta_attention_maps``).
    """
    component_kind = 'delta'
    out_channels = 0

    def forward_with_attention(self, feats):
        """``(delta tokens, attention or None)`` for ``feats``."""
        return self(feats), None


class BaseProjector(BaseModule):
    """Maps image tokens and delta tokens to the decoder's width."""
    component_kind = 'projector'


class BaseDecoder(BaseModule):
    """Language decoder conditioned on a visual prefix.

    ``loss(visual_tokens, data_samples)`` returns a dict of losses (teacher
    forcing); ``predict(visual_tokens, data_samples)`` returns captions.

    ``predict_with_beams(visual_tokens, data_samples)`` returns
    ``(captions, beams)``: the same captions and, per sample, every
    finished beam-search hypothesis as ``(caption, score)``, best first
    (the first is the caption), which ``OneDiff.predict`` puts on each data
    sample (``pred_beams``); ``beams`` is None (this default, and greedy
    search) when the decoder lists no alternatives.
    """
    component_kind = 'decoder'

    def predict_with_beams(self, visual_tokens, data_samples):
        """``(captions, beams or None)`` for the batch."""
        return self.predict(visual_tokens, data_samples), None

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

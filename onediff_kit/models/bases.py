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
    """
    component_kind = 'delta'
    out_channels = 0


class BaseProjector(BaseModule):
    """Maps image tokens and delta tokens to the decoder's width."""
    component_kind = 'projector'


class BaseDecoder(BaseModule):
    """Language decoder conditioned on a visual prefix.

    ``loss(visual_tokens, data_samples)`` returns a dict of losses (teacher
    forcing); ``predict(visual_tokens, data_samples)`` returns captions.
    """
    component_kind = 'decoder'


class BaseDeltaHead(BaseModule):
    """Auxiliary head on the delta tokens (optional part ``delta_head``).

    Built with ``in_channels`` (the delta module's ``out_channels``)
    injected by ``OneDiff``. ``loss(delta_tokens, data_samples)`` returns a
    dict of losses (keys with ``loss`` are summed into the training loss,
    the rest are logged).
    """
    component_kind = 'delta_head'

"""The conformance kit fails a part that breaks its contract, naming it.

The kit's passing side is tests/models/test_registry_contracts.py (every
registered part) and the template plugin's own tests.
"""
import pytest
from torch import nn

from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.models.attention import attention
from onediff_kit.plugin_compat import PluginDeprecationWarning
from onediff_kit.testing import (MODEL_PART_CHECKS, check_component,
                                 check_model_part)


class GoodDelta(BaseDelta):
    """Tokens of the difference of the last level, one per place."""

    def __init__(self, in_channels, out_channels=8, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.out_channels = out_channels
        self.proj = nn.Linear(in_channels[-1], out_channels)

    def tokens(self, feats):
        diff = feats[-1][:, 1] - feats[-1][:, 0]
        return self.proj(diff.flatten(2).transpose(1, 2))

    def forward(self, feats, need_attention=False):
        return DeltaOutput(tokens=self.tokens(feats))


class KeepsAttention(GoodDelta):
    def forward(self, feats, need_attention=False):
        out = super().forward(feats)
        self.last_tokens = out.tokens
        return out


class OrderBlind(GoodDelta):
    def forward(self, feats, need_attention=False):
        diff = (feats[-1][:, 1] - feats[-1][:, 0]).abs()
        return DeltaOutput(self.proj(diff.flatten(2).transpose(1, 2)))


class DeadParameter(GoodDelta):
    def __init__(self, in_channels, out_channels=8, init_cfg=None):
        super().__init__(in_channels, out_channels, init_cfg)
        self.unused = nn.Linear(2, 2)


class BareTensor(GoodDelta):
    def forward(self, feats, need_attention=False):
        return self.tokens(feats)


class NoNeedAttention(GoodDelta):
    def forward(self, feats):
        return DeltaOutput(self.tokens(feats))


class WrongWidth(GoodDelta):
    def forward(self, feats, need_attention=False):
        return DeltaOutput(self.tokens(feats)[..., :-1])


class NoBackend(GoodDelta):
    """Mixes its tokens with the shared attention, but ignores the model's
    backend."""

    def forward(self, feats, need_attention=False):
        x = self.tokens(feats)[:, None]  # (B, 1 head, N, D)
        out, _ = attention(x, x, x)
        return DeltaOutput(tokens=out[:, 0])


class WithBackend(NoBackend):
    def __init__(self, in_channels, out_channels=8, init_cfg=None):
        super().__init__(in_channels, out_channels, init_cfg)
        self.attn_backend = None  # OneDiff sets the model's backend here

    def forward(self, feats, need_attention=False):
        x = self.tokens(feats)[:, None]
        out, _ = attention(x, x, x, backend=self.attn_backend)
        return DeltaOutput(tokens=out[:, 0])


def test_a_delta_that_follows_the_contract_passes():
    check_component(dict(type=WithBackend))
    check_component(dict(type=GoodDelta))


@pytest.mark.parametrize('cls, check, message', [
    (KeepsAttention, 'no_state', 'KeepsAttention keeps state from forward'),
    (OrderBlind, 'swap', 'OrderBlind: the tokens do not depend on which '
     'image came first'),
    (DeadParameter, 'gradients', r"DeadParameter: no gradient reaches "
     r"\['unused.weight', 'unused.bias'\]"),
    (BareTensor, 'outputs', 'BareTensor.forward returned Tensor, not '
     'DeltaOutput'),
    (NoBackend, 'attn_backend', r"NoBackend calls attention\(\) with "
     r"backend \['None'\] although the model asked for \"math\""),
    (WrongWidth, 'outputs', r'WrongWidth: tokens \(2, 4, 7\), not '
     r'\(2, N, 8\)'),
])
def test_each_check_names_the_broken_part(cls, check, message):
    with pytest.raises(AssertionError, match=message):
        MODEL_PART_CHECKS[check](dict(type=cls))
    with pytest.raises(AssertionError, match=message):
        check_model_part(dict(type=cls))


def test_an_adapted_old_form_fails_the_kit():
    """OneDiff adapts it with a warning; the kit holds the contract."""
    with pytest.raises(PluginDeprecationWarning,
                       match='NoNeedAttention has forward'):
        check_component(dict(type=NoNeedAttention))


def test_a_component_of_no_kind_is_refused():
    with pytest.raises(ValueError, match='declares no kind'):
        check_component(dict(type=nn.Linear))
    with pytest.raises(AssertionError, match='registered in no onediff_kit'):
        check_component(dict(type='NoSuchPart'))

"""The template plugin's delta works and registers through the hook."""
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import Registry

PLUGIN_DIR = Path(__file__).resolve().parents[2] / 'plugins' / \
    'onediff-plugin-example'


@pytest.fixture
def example_plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    yield
    for name in [m for m in sys.modules
                 if m.startswith('onediff_plugin_example')]:
        del sys.modules[name]


def test_hook_registers_example_delta(example_plugin):
    from onediff_plugin_example import plugin
    registries = SimpleNamespace(MODELS=Registry('model'))
    plugin.onediff_register_components(registries=registries)
    delta = registries.MODELS.build(dict(type='ExampleDelta',
                                         in_channels=[8, 16],
                                         out_channels=12, levels=(0, 1),
                                         grid=2))
    assert delta.component_kind == 'delta'
    a = torch.randn(3, 1, 8, 4, 4)
    feats = (torch.cat([a, a + 1], 1).requires_grad_(),
             torch.randn(3, 2, 16, 2, 2))
    result = delta(feats, need_attention=True)
    assert result.attention is None  # it exposes none
    out = result.tokens
    assert out.shape == (3, 8, 12)
    out.sum().backward()
    assert feats[0].grad.abs().sum() > 0
    # Identical images give the same tokens whatever the features are.
    same = (torch.cat([a, a], 1), torch.zeros(3, 2, 16, 2, 2))
    other = (torch.cat([a * 5, a * 5], 1), torch.ones(3, 2, 16, 2, 2))
    torch.testing.assert_close(delta(same).tokens, delta(other).tokens)
    with pytest.raises(IndexError, match='delta.levels'):
        registries.MODELS.build(dict(type='ExampleDelta', in_channels=[8],
                                     levels=(2, )))

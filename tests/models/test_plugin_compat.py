"""Plugins of API 1 keep working with a warning; a broken contract is one
line naming the plugin, the class, the contract and the guide's section."""
import importlib
import os
import re
import subprocess
import sys

import pytest
import torch
from torch import nn

from model_helpers import make_pairs, make_samples, tiny_model
from onediff_kit.cli.clear_errors import call_with_clear_errors
from onediff_kit.contracts import (GUIDE, ContractError, DecoderOutput,
                                   DeltaOutput, contract_violation)
from onediff_kit.plugin_compat import (SUPPORTED_UNTIL,
                                       PluginDeprecationWarning, call_delta)
from onediff_kit.registry import MODELS


class OldDelta(nn.Module):
    """A delta of plugin API 1: ``forward(feats)`` returns the tokens."""
    component_kind = 'delta'

    def __init__(self, in_channels, out_channels=32):
        super().__init__()
        self.out_channels = out_channels
        self.proj = nn.Linear(in_channels[-1], out_channels)

    def forward(self, feats):
        diff = feats[-1][:, 1] - feats[-1][:, 0]
        return self.proj(diff.flatten(2).transpose(1, 2))


class DictDelta(OldDelta):
    def forward(self, feats, need_attention=False):
        return dict(tokens=super().forward(feats))


class TwoArgDelta(OldDelta):
    def forward(self, before, after):
        return DeltaOutput(before[-1])


def old_decoder(base):
    """A decoder of plugin API 1: ``predict(visual_tokens, data_samples)``
    returns the list of captions."""

    class OldDecoder(base):
        def predict(self, visual_tokens, data_samples):
            return super().predict(visual_tokens, data_samples).captions

    return OldDecoder


def model_with(**parts):
    cfg = tiny_model()
    for key, value in parts.items():
        cfg[key] = dict(cfg[key], **value) if isinstance(value, dict) and \
            'type' not in value else value
    return MODELS.build(cfg)


def one_line(exc, cls_name, contract, plugin=__name__.split('.')[-1]):
    """The message is one line: the plugin (here the test module, which no
    distribution provides), the class, the contract, the guide."""
    text = str(exc)
    assert '\n' not in text
    assert f'plugin {plugin}: {cls_name} ' in text
    assert contract in text and GUIDE in text and 'section "' in text


def test_old_delta_and_decoder_are_adapted_with_a_warning():
    decoder_cls = old_decoder(MODELS.get('TransformerCaptionDecoder'))
    cfg = tiny_model()
    with pytest.warns(PluginDeprecationWarning) as built:
        model = MODELS.build(dict(
            cfg, delta=dict(type=OldDelta),
            decoder=dict(cfg['decoder'], type=decoder_cls)))
    text = ' | '.join(str(w.message) for w in built)
    assert 'OldDelta has forward(feats) without need_attention' in text
    assert 'OldDecoder has predict(visual_tokens, data_samples)' in text
    assert f'until onediff_kit {SUPPORTED_UNTIL}' in text
    inputs = torch.stack(make_pairs(2)).float()
    with pytest.warns(PluginDeprecationWarning) as called:
        losses = model.loss(inputs, make_samples()[:2])
        out = model.predict(inputs, make_samples()[:2])
    text = ' | '.join(str(w.message) for w in called)
    assert 'OldDelta returned a bare tensor from forward' in text
    assert 'return DeltaOutput(tokens=tokens)' in text
    assert 'OldDecoder returned a list of captions from predict' in text
    assert torch.isfinite(losses['loss_caption'] if 'loss_caption' in
                          losses else losses['loss'])
    assert all(isinstance(s.pred_caption, str) for s in out)
    assert all('delta_attention' not in s for s in out)


def test_a_delta_returning_something_else_is_one_line():
    delta = DictDelta(in_channels=[8])
    feats = (torch.randn(2, 2, 8, 2, 2), )
    with pytest.raises(ContractError) as info:
        call_delta(delta, feats)
    one_line(info.value, 'DictDelta',
             'forward(feats, need_attention=False) -> DeltaOutput(')
    assert 'returned a dict from forward' in str(info.value)


def test_a_wrong_signature_fails_at_build_time_in_one_line():
    with pytest.raises(ContractError) as info:
        model_with(delta=dict(type=TwoArgDelta))
    one_line(info.value, 'TwoArgDelta', 'forward(feats, need_attention')
    assert 'has forward(before, after)' in str(info.value)


def test_a_decoder_without_embed_dims_fails_at_build_time():
    class NoWidth(MODELS.get('TransformerCaptionDecoder')):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            del self.embed_dims

    cfg = tiny_model()
    with pytest.raises(ContractError, match=r'NoWidth has embed_dims=None; '
                       r'a decoder has predict\(visual_tokens'):
        MODELS.build(dict(cfg, decoder=dict(cfg['decoder'], type=NoWidth)))


def test_a_decoder_returning_a_tensor_is_one_line():
    class TensorDecoder(MODELS.get('TransformerCaptionDecoder')):
        def predict(self, visual_tokens, data_samples, num_beams=None,
                    max_length=None):
            return torch.zeros(len(data_samples))

    cfg = tiny_model()
    model = MODELS.build(dict(cfg, decoder=dict(cfg['decoder'],
                                                type=TensorDecoder)))
    with pytest.raises(ContractError) as info:
        model.predict(torch.stack(make_pairs(2)).float(), make_samples()[:2])
    one_line(info.value, 'TensorDecoder',
             '-> DecoderOutput(captions=..., beams=None)')
    assert 'returned a Tensor of shape (2,) from predict' in str(info.value)


def test_the_plugin_named_is_the_one_that_provides_the_class():
    message = str(contract_violation(MODELS.get('SubtractDelta'), 'delta',
                                     'did something'))
    assert message.startswith('plugin onediff-models (distribution '
                              'onediff_kit): SubtractDelta did '
                              'something; a delta has forward(feats, ')


def test_tools_print_a_contract_error_as_one_line(capsys):
    def main():
        model_with(delta=dict(type=TwoArgDelta))

    assert call_with_clear_errors(main) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and '\n' not in err
    assert 'TwoArgDelta has forward(before, after)' in err
    with pytest.raises(ContractError):  # --debug keeps the traceback
        call_with_clear_errors(main, debug=True)


@pytest.mark.parametrize('module', ['onediff_kit.models.bases',
                                    'onediff_kit.data.prompted_dataset'])
def test_the_api_1_import_paths_work_with_a_warning(module):
    sys.modules.pop(module, None)
    with pytest.warns(PluginDeprecationWarning,
                      match=f'{re.escape(module)} is the plugin API 1 '
                      'import path.*import from onediff_kit.contracts'):
        old = importlib.import_module(module)
    from onediff_kit import contracts
    for name in old.__all__:
        assert getattr(old, name) is getattr(contracts, name)


def test_init_shows_the_warnings_python_hides_outside_main(tmp_path):
    """Python hides a DeprecationWarning raised for a module other than
    __main__ (here a plugin of API 1); after init() an author running
    `onediff train` sees it."""
    (tmp_path / 'plugin_api1.py').write_text(
        'from onediff_kit.models.bases import BaseDelta\n')
    env = dict(os.environ, PYTHONWARNINGS='', PYTHONPATH=os.pathsep.join(
        [str(tmp_path)] + sys.path))
    shown = 'PluginDeprecationWarning: onediff_kit.models.bases is the ' \
        'plugin API 1 import path'
    for init, seen in (('onediff_kit.init(); ', True), ('', False)):
        proc = subprocess.run(
            [sys.executable, '-c', f'import onediff_kit; {init}'
             'import plugin_api1'], capture_output=True, text=True, env=env,
            timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert (shown in proc.stderr) is seen, (init, proc.stderr[-2000:])


def test_decoder_output_and_delta_output_take_keywords():
    out = DeltaOutput(tokens=torch.zeros(1, 0, 4), attention=None,
                      memory_shapes=None, memory_groups=('before', 'after'))
    assert out.tokens.shape == (1, 0, 4)
    assert DecoderOutput(captions=['a'], beams=None).captions == ['a']

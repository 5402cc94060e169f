import pytest
import torch

from onediff_kit.registry import MODELS
from onediff_models.deltas.matched_difference import (best_match_residual,
                                                      matched_difference)
from tests.models.test_deltas import DELTAS, IN_CHANNELS, feats


def shifted_pair(seed=0, c=8, size=10, shift=1):
    """A random map and the same map one place to the right (a small
    camera move), with the edge column repeated."""
    g = torch.Generator().manual_seed(seed)
    before = torch.randn(1, c, size, size, generator=g)
    after = torch.cat([before[..., :1].expand(-1, -1, -1, shift),
                       before[..., :-shift]], dim=-1)
    return before, after


def test_radius_zero_is_the_aligned_difference():
    before, after = shifted_pair()
    diff, size = matched_difference(before, after, 0)
    assert torch.equal(diff, after - before)
    assert torch.allclose(size, (after - before).norm(dim=1))


def test_a_shift_within_the_radius_leaves_no_difference():
    before, after = shifted_pair()
    aligned = (after - before).norm(dim=1)
    diff, size = matched_difference(before, after, 1)
    assert aligned.mean() > 1.0  # random features: a shift changes a lot
    # All but the last column, which leaves the view.
    assert torch.allclose(size[..., :-1], torch.zeros(1, 10, 9), atol=1e-5)
    assert torch.allclose(diff[..., :-1], torch.zeros(1, 8, 10, 9),
                          atol=1e-5)
    assert (size[..., -1] > 0).all()


def test_an_added_object_under_a_shift_stands_out_with_its_sign():
    before, after = shifted_pair()
    obj = torch.zeros(8)
    obj[0] = 10.0
    added = after.clone()
    added[0, :, 4, 6] += obj
    diff, size = matched_difference(before, added, 1)
    assert size[0].argmax() == 4 * 10 + 6
    assert size[0, 4, 6] > 5 * size[0].median().clamp_min(1e-3)
    assert diff[0, 0, 4, 6] > 0
    # The same object gone (swap the images): same place, opposite sign.
    diff_back, size_back = matched_difference(added, before, 1)
    assert size_back[0].argmax() == 4 * 10 + 6
    assert diff_back[0, 0, 4, 6] < 0


def test_best_match_residual_picks_the_closest_neighbour():
    ref = torch.zeros(1, 1, 3, 3)
    ref[0, 0, 0, 2] = 5.0
    x = torch.full((1, 1, 3, 3), 4.0)
    residual, dist = best_match_residual(x, ref, 1)
    # Place (1, 1) sees (0, 2) within radius 1: 4 - 5.
    assert residual[0, 0, 1, 1] == -1.0 and dist[0, 1, 1] == 1.0
    # Place (2, 0) does not: its closest is 0.
    assert residual[0, 0, 2, 0] == 4.0


def test_vdm_change_prior_under_a_shift_needs_a_radius():
    """One place of the finest level changes while the whole view shifts by
    one place: the matched prior points the tokens at it."""
    x = [f.detach().clone()[:1] for f in feats(b=1)]
    for f in x:
        f[:, 1] = torch.cat([f[:, 0, ..., :1], f[:, 0, ..., :-1]], dim=-1)
    x[0][:, 1, :, 2, 5] += 2.0
    tops = {}
    for radius in (0, 1):
        torch.manual_seed(0)  # the same weights for both
        cfg = dict(DELTAS['vdm'][0], with_difference=True, fuse_images=True,
                   change_prior=20.0, dropout=0.0, match_radius=radius)
        delta = MODELS.build(dict(cfg, in_channels=IN_CHANNELS)).eval()
        with torch.no_grad():
            attn = delta(x, need_attention=True).attention[0].mean(0)
        tops[radius] = int(attn[:16].argmax())  # level 0 pooled 8x8 -> 4x4
    assert tops[1] == 1 * 4 + 2, tops
    assert tops[0] != 1 * 4 + 2, tops


@pytest.mark.parametrize('radius', [-1, (1, 1), 1.5])
def test_vdm_bad_match_radius_names_the_key(radius):
    with pytest.raises(ValueError, match='delta.match_radius'):
        MODELS.build(dict(DELTAS['vdm'][0], match_radius=radius,
                          in_channels=IN_CHANNELS))


def test_vdm_match_radius_per_level_keeps_the_layout_and_trains():
    delta = MODELS.build(dict(DELTAS['vdm'][0], with_difference=True,
                              fuse_images=True, change_prior=3.0,
                              match_radius=(2, 1, 0),
                              in_channels=IN_CHANNELS))
    x = feats()
    result = delta(x, need_attention=True)
    assert result.memory_shapes == ((4, 4), (4, 4), (2, 2))
    assert result.attention.shape == (2, 5, 36)
    weights = torch.randn(result.tokens.shape,
                          generator=torch.Generator().manual_seed(1))
    (result.tokens * weights).sum().backward()
    assert all(f.grad is not None and f.grad.abs().sum() > 0 for f in x)

"""bench.bench_clevr_change_stats's measures, on a render folder whose
"Blender" images are the fast renderer's own: the fast renderer is then at
distance 0 and its fitted colours are the ones it draws with."""
import numpy as np
import pytest
from PIL import Image

from bench import bench_clevr_change_stats as stats
from onediff_data.clevr_render import release
from onediff_data.synth import clevr_view

from ..data.test_clevr_render import FakeRenderer, assets  # noqa: F401

SIZE = (96, 64)


class FastAsBlender(FakeRenderer):
    """Writes the fast renderer's images where Blender's would go."""

    def _run_batch(self, blender, props, batch, out, scratch,
                   on_result=None):
        results = super()._run_batch(blender, props, batch, out, scratch,
                                     on_result)
        for t in batch:
            images = clevr_view.render_triplet(t, SIZE)
            for name, paths in release.paths(out, t['index']).items():
                Image.fromarray(images[name]).save(paths['image'])
        return results


@pytest.fixture
def renders(assets, tmp_path):  # noqa: F811
    out = tmp_path / 'renders'
    FastAsBlender(assets, size=SIZE).generate(out, 4, seed=0,
                                              progress=False)
    return out


def test_feature_distance_is_zero_for_the_same_images(renders):
    images = stats.renderings(renders, range(4), SIZE)
    assert stats.fast_vs_blender(images)[0] == 0
    dist = stats.feature_distances(images)
    assert dist['fast']['ratio'] == pytest.approx(0, abs=1e-5)
    assert dist['fast']['top1'] == 1.0
    # The square renderer draws the same objects through another camera.
    assert dist['square']['ratio'] > 0.05


def test_colour_fit_keeps_the_colours_drawn_with(renders):
    drawn_with = clevr_view.BASE_COLORS
    fitted = stats.calibrate_colors(renders, range(4), SIZE)
    assert clevr_view.BASE_COLORS is drawn_with  # restored
    measured = stats.centre_colors(renders, range(4), SIZE)
    assert len(measured) >= 3, 'too few objects measured'
    for (material, color), (blender, fast) in measured.items():
        np.testing.assert_array_equal(blender, fast)
        # Rounded once per round: off by at most a level per round.
        diff = np.subtract(fitted[material][color],
                           drawn_with[material][color])
        assert np.abs(diff).max() <= 2, (material, color)


def test_fast_only_shares_grow_with_the_view_jitter(renders):
    """--fast-only draws the triplets from the scene rules: the same
    triplets as a render folder's, and a wider after-image camera jitter
    changes more of each distractor."""
    drawn = stats.fast_rule_fractions(4, 0, SIZE, None)
    assert drawn == stats.fast_fractions(renders, range(4), SIZE)
    still = stats.fast_rule_fractions(
        4, 0, SIZE, dict(view_camera_jitter=0, view_light_jitter=0))
    wide = stats.fast_rule_fractions(4, 0, SIZE,
                                     dict(view_camera_jitter=3.0))
    assert max(still['nonsemantic']) == 0
    assert np.median(wide['nonsemantic']) > np.median(drawn['nonsemantic'])

"""Pointing game: hand-built attention maps, and the real model path."""
import json

import numpy as np
import pytest
import torch

from onediff_kit.registry import METRICS
from onediff_kit.visualization import delta_attention_maps

pytest.importorskip('onediff_metrics.pointing_metric')
from onediff_metrics.pointing_metric import point_in_box  # noqa: E402

# The changed object fills the top-left quarter's centre of an image.
BOX = [0.125, 0.125, 0.375, 0.375]


def peaked(row, col, size=8):
    """A (2, size, size) map, before and after, peaked at one cell."""
    maps = torch.full((2, size, size), 0.1)
    maps[:, row, col] = 5.0
    return maps


def sample(change_type, maps, box_before=None, box_after=None, pair=0):
    meta = dict(box_before=box_before, box_after=box_after)
    return dict(pair_id=f'p{pair}', change_type=change_type, meta=meta,
                delta_attention=None if maps is None else dict(weights=maps))


def test_peak_inside_the_box_hits():
    hit, mass, area = point_in_box(peaked(2, 2)[0], BOX)
    assert hit
    assert area == pytest.approx(0.0625)
    assert mass > 4 * area  # far more attention than the box's share


def test_peak_outside_the_box_misses():
    hit, mass, _ = point_in_box(peaked(6, 6)[0], BOX)
    assert not hit
    assert mass < 0.1


def test_flat_attention_has_no_peak():
    hit, mass, area = point_in_box(torch.ones(4, 4), BOX)
    assert not hit
    assert mass == pytest.approx(area)  # uniform: mass = area


def test_metric_scores_the_right_image_per_change_type(tmp_path):
    metric = METRICS.build(dict(type='PointingGameMetric',
                                output_dir=str(tmp_path)))
    far = [0.75, 0.75, 1.0, 1.0]
    samples = [
        sample('drop', peaked(2, 2), box_before=BOX, pair=0),  # hit
        sample('color', peaked(6, 6), box_before=BOX, box_after=BOX,
               pair=1),  # miss
        # add: only the after image counts; its peak is in the box.
        sample('add', torch.stack([peaked(6, 6)[0], peaked(2, 2)[1]]),
               box_after=BOX, pair=2),
        # move: both images count; the peak is in the before box only.
        sample('move', peaked(2, 2), box_before=BOX, box_after=far,
               pair=3),
        sample('none', peaked(2, 2), pair=4),  # nothing changed: skipped
    ]
    metric.process(None, samples)
    scores = metric.evaluate(len(samples))
    assert scores['pointing/hit_rate'] == pytest.approx(3 / 5)
    assert scores['pointing/drop/hit_rate'] == 1.0
    assert scores['pointing/color/hit_rate'] == 0.0
    assert scores['pointing/add/hit_rate'] == 1.0
    assert scores['pointing/move/hit_rate'] == 0.5
    assert 0 < scores['pointing/chance'] < scores['pointing/mass_in_box']
    report = json.loads((tmp_path / 'pointing_scores.json').read_text())
    assert report['counts'] == dict(
        pairs=4, points=5,
        skipped=dict(no_change=1, no_box=0, no_attention=0))


def test_old_manifest_without_boxes_is_skipped_and_counted(capsys):
    from mmengine.logging import MMLogger
    MMLogger.get_instance('pointing-test', log_level='INFO')
    metric = METRICS.build(dict(type='PointingGameMetric'))
    old = dict(pair_id='p0', change_type='drop', meta=dict(changed_index=1),
               delta_attention=dict(weights=peaked(2, 2)))
    no_attention = sample('drop', None, box_before=BOX, pair=1)
    metric.process(None, [old, no_attention])
    report = metric.evaluate_report(2)
    assert report['metrics'] == {}  # nothing to score, no crash
    assert report['counts']['skipped'] == dict(
        no_change=0, no_box=1, no_attention=1)
    log = capsys.readouterr().out
    assert '1 with no box in scene truth' in log
    assert '1 with no delta attention' in log


def test_images_must_be_before_or_after():
    with pytest.raises(ValueError, match=r"images\['add'\]"):
        METRICS.build(dict(type='PointingGameMetric',
                           images=dict(add=('later', ))))


@pytest.mark.parametrize('delta', [
    dict(type='VisualDeltaModule', num_tokens=4, num_layers=1, embed_dims=32,
         num_heads=4, ffn_dims=64, dropout=0.0, level_pool=4,
         bert_init=None, with_difference=True, fuse_images=True,
         change_prior=1.0),
    dict(type='SubtractDelta', level=1, embed_dims=32),
])
def test_pointing_through_the_real_model_path(delta):
    """A tiny OneDiff predicts on generated pairs; the metric scores the
    attention the delta module returned against the generator's boxes."""
    pytest.importorskip('onediff_data.synth')
    from mmengine.registry import DefaultScope

    from onediff_kit.registry import GENERATORS, MODELS
    from onediff_kit.structures import DiffDataSample
    from tests.models.model_helpers import tiny_model
    gen = GENERATORS.build(dict(type='SynthDiffGenerator', size=64,
                                real_fraction=0.0, workers=1))
    records, images = [], []
    for idx in (0, 2, 3, 4):  # color, add, drop, move
        rec, _, before, after = gen.make_pair(idx, seed=0)
        records.append(rec)
        images.append(torch.from_numpy(
            np.stack([before, after])).permute(0, 3, 1, 2).contiguous())
    samples = [DiffDataSample(metainfo=dict(
        pair_id=r['pair_id'], change_type=r['change_type'], meta=r['meta'],
        prompt='describe the difference')) for r in records]
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(tiny_model(delta=delta)).eval()
        data = model.data_preprocessor(
            dict(inputs=images, data_samples=samples), False)
        out = model(**data, mode='predict')
    maps = torch.from_numpy(delta_attention_maps(out[0].delta_attention,
                                                 rescale=False))
    assert maps.dim() == 3 and maps.shape[0] == 2 and (maps >= 0).all()
    metric = METRICS.build(dict(type='PointingGameMetric'))
    metric.process(None, out)
    report = metric.evaluate_report(len(out))
    scores = report['metrics']
    # color, add, drop score one image each, move both: five points.
    assert report['counts']['points'] == 5
    for t in ('color', 'add', 'drop', 'move'):
        assert 0.0 <= scores[f'pointing/{t}/hit_rate'] <= 1.0
    assert 0.0 < scores['pointing/mass_in_box'] < 1.0

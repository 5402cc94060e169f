"""Attention heat maps, the pair figure and DiffVisualizationHook."""
import types

import numpy as np
import pytest
import torch
from PIL import Image

from onediff_kit.visualization import (NO_ATTENTION_NOTE,
                                       delta_attention_maps,
                                       draw_diff_caption)


def test_memory_attention_lands_on_the_right_image_and_place():
    shapes = [(4, 4), (2, 2)]
    weights = torch.zeros(3, 2 * 16 + 2 * 8 // 2)
    # All tokens attend to the after image's level-0 cell (1, 2).
    weights[:, 16 + 1 * 4 + 2] = 1.0
    maps = delta_attention_maps(weights, shapes)
    assert maps.shape == (2, 4, 4)
    assert maps.max() == pytest.approx(1.0)
    assert np.unravel_index(maps.argmax(), maps.shape) == (1, 1, 2)
    assert maps[0].max() == 0
    # Picking the coarser level: nothing there.
    assert delta_attention_maps(weights, shapes, level=1).max() == 0


def test_difference_and_fused_groups_count_for_both_images():
    shapes = [(2, 2)]
    # before, after, difference: a token on the difference group's cell
    # (0, 1) lights that cell in both images.
    weights = torch.zeros(1, 3 * 4)
    weights[0, 8 + 1] = 1.0
    maps = delta_attention_maps(weights, shapes,
                                memory_groups=('before', 'after',
                                               'difference'))
    assert maps[0, 0, 1] == maps[1, 0, 1] == pytest.approx(1.0)
    assert maps.sum() == pytest.approx(2.0)
    fused = delta_attention_maps(weights[:, 8:], shapes,
                                 memory_groups=('pair', ))
    np.testing.assert_allclose(fused, maps)
    with pytest.raises(ValueError, match='groups'):
        delta_attention_maps(weights, shapes)
    # A predicted sample's delta_attention brings its layout along.
    field = dict(weights=weights, memory_shapes=shapes,
                 memory_groups=('before', 'after', 'difference'))
    np.testing.assert_array_equal(delta_attention_maps(field), maps)


def test_spatial_maps_pass_through_and_bad_shapes_raise():
    maps = delta_attention_maps(torch.rand(2, 3, 5))
    assert maps.shape == (2, 3, 5) and maps.max() == pytest.approx(1.0)
    assert maps.min() == pytest.approx(0.0)
    # Uniform attention has nothing to show.
    assert delta_attention_maps(torch.full((4, 40), 0.025),
                                [(2, 2), (4, 4)]).max() == 0
    with pytest.raises(ValueError, match='memory_shapes'):
        delta_attention_maps(torch.rand(4, 10), [(2, 2)])
    with pytest.raises(ValueError, match='memory_shapes'):
        delta_attention_maps(torch.rand(4, 10))


def test_draw_without_attention_says_so(tmp_path):
    out = tmp_path / 'pair.png'
    before = np.zeros((40, 60, 3), np.uint8)
    after = np.full((80, 30, 3), 200, np.uint8)
    array = draw_diff_caption(before, after, 'a cube was added',
                              ['a red cube appeared'], out_file=str(out),
                              title='pair 0')
    with Image.open(out) as img:
        assert img.format == 'PNG' and img.size == (array.shape[1],
                                                    array.shape[0])
    with_maps = draw_diff_caption(before, after, 'x',
                                  attention_maps=np.random.rand(2, 4, 4))
    # The heat-map row makes the figure taller.
    assert with_maps.shape[0] > array.shape[0]
    assert 'exposes no attention' in NO_ATTENTION_NOTE


def _runner(model, work_dir, iteration):
    from mmengine.visualization import Visualizer
    visualizer = Visualizer.get_instance(
        f'diff_vis_{iteration}', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(work_dir / 'vis_data'))
    return types.SimpleNamespace(model=model, work_dir=str(work_dir),
                                 iter=iteration, visualizer=visualizer)


def _val_batches(tiny, captioner, n=2, size=3):
    from mmengine.registry import DefaultScope

    from onediff_kit.registry import DATASETS
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        dataset = DATASETS.build(captioner.cfg.test_dataloader.dataset)
    items = [dataset[i] for i in range(n * size)]
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        yield dict(inputs=[c['inputs'] for c in chunk],
                   data_samples=[c['data_samples'] for c in chunk])


def test_hook_draws_first_pairs_at_each_interval(tiny, captioner, tmp_path):
    from onediff_kit.registry import HOOKS
    hook = HOOKS.build(dict(type='DiffVisualizationHook', num_samples=4,
                            interval=2))
    model = captioner.model
    state = dict(vars(model.delta))
    for evaluation, iteration in ((1, 10), (2, 20)):
        runner = _runner(model, tmp_path, iteration)
        hook.before_val_epoch(runner)
        for i, batch in enumerate(_val_batches(tiny, captioner)):
            outputs = model.val_step(batch)
            # The heat maps come with the predictions.
            assert delta_attention_maps(
                outputs[0].delta_attention).shape[0] == 2
            hook.after_val_iter(runner, i, batch, outputs)
        hook.after_val_epoch(runner, {})
    assert not (tmp_path / 'vis' / 'iter_10').exists()  # interval=2
    pngs = sorted((tmp_path / 'vis' / 'iter_20').glob('*.png'))
    assert len(pngs) == 4
    with Image.open(pngs[0]) as img:
        assert img.format == 'PNG' and img.width >= 400
    # The hook switched nothing on the model.
    assert dict(vars(model.delta)) == state
    sent = list((tmp_path / 'vis_data').rglob('*.png'))
    assert len(sent) == 4  # the visualizer's LocalVisBackend got them too


def test_hook_in_a_training_run(tiny, captioner, tmp_path):
    """Two iterations, one evaluation: PNGs under work_dir/vis/iter_2."""
    from mmengine.runner import Runner
    model = captioner.cfg.model.copy()
    model['decoder'] = dict(model['decoder'],
                            vocab_file=str(tiny['data'] / 'vocab.json'))
    val = captioner.cfg.test_dataloader.copy()
    train = dict(val, sampler=dict(type='DefaultSampler', shuffle=True),
                 dataset=dict(val['dataset'], split=None, test_mode=False))
    runner = Runner(
        model=model, work_dir=str(tmp_path), default_scope='onediff_kit',
        train_dataloader=train, val_dataloader=val,
        # A list: a dict with a `metrics` key would read as an Evaluator.
        val_evaluator=[dict(type='CaptionMetric', metrics=['BLEU'],
                            tokenizer='simple', spice=False,
                            per_type=False)],
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=2),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook',
                                                        interval=1)),
        custom_hooks=[dict(type='DiffVisualizationHook', num_samples=3)],
        visualizer=dict(type='Visualizer', name='diff_vis_runner',
                        vis_backends=[dict(type='LocalVisBackend')]))
    runner.train()
    pngs = list((tmp_path / 'vis' / 'iter_2').glob('*.png'))
    assert len(pngs) == 3
    assert len(list(tmp_path.rglob('vis_image/*.png'))) == 3

"""Which pipelines a feature cache accepts."""
import pytest
from mmengine.config import Config

from onediff_kit.cache import check_cacheable_pipelines
from onediff_kit.config_check import ConfigError

DEFAULT = 'configs/onediff/onediff_mobilenetv2-vdm_synthdiff.py'
RECIPE_900IT = 'configs/onediff/onediff_mobilenetv2-vdm_900it_synthdiff.py'
JITTER = dict(type='ColorJitterPair', brightness=0.2, contrast=0.2,
              saturation=0.1, prob=1.0)


def loader(*pipeline):
    return dict(dataset=dict(type='DiffCaptionDataset',
                             pipeline=list(pipeline)))


@pytest.mark.parametrize('transform', [
    JITTER,
    dict(type='RandomFlipPair'),
    dict(type='FixedVariants', num_variants=None, transforms=[JITTER]),
])
def test_a_per_visit_draw_is_refused_by_name(transform):
    cfg = dict(train_dataloader=loader(dict(type='LoadImagePair'),
                                       transform))
    with pytest.raises(ConfigError, match=r'train_dataloader\.dataset\.'
                       r'pipeline\[1\] \(\w+\) draws new random numbers'):
        check_cacheable_pipelines(cfg)


def test_fixed_variants_and_deterministic_pipelines_pass():
    check_cacheable_pipelines(dict(
        train_dataloader=loader(
            dict(type='LoadImagePair'), dict(type='ResizePair', size=8),
            dict(type='FixedVariants', num_variants=3, transforms=[JITTER])),
        test_dataloader=loader(dict(type='LoadImagePair'))))


def test_stage_dataloaders_and_wrapped_datasets_are_checked():
    stage = dict(dataset=dict(type='RepeatDataset', times=2,
                              dataset=dict(pipeline=[JITTER])))
    cfg = dict(train_cfg=dict(stages=[dict(name='a', iters=1,
                                           dataloader=stage)]))
    with pytest.raises(ConfigError, match=r'stages\[0\]\.dataloader\.'
                       r'dataset\.dataset\.pipeline\[0\]'):
        check_cacheable_pipelines(cfg)


def test_the_default_config_is_cacheable_and_the_900it_recipe_is_not():
    # The default caches with one fixed jitter draw per pair; the
    # 900-iteration recipe it inherits draws per visit.
    cfg = Config.fromfile(DEFAULT)
    assert cfg.model.encoder.type == 'CachedEncoder'
    check_cacheable_pipelines(cfg)
    cfg.merge_from_dict({
        'train_dataloader.dataset.pipeline.2.num_variants': None,
    })
    with pytest.raises(ConfigError, match=r'train_dataloader.*FixedVariants'):
        check_cacheable_pipelines(cfg)
    recipe = Config.fromfile(RECIPE_900IT)
    assert recipe.model.encoder.type != 'CachedEncoder'
    with pytest.raises(ConfigError, match='fixes K variants per sample'):
        check_cacheable_pipelines(recipe)
    recipe.merge_from_dict({
        'train_dataloader.dataset.pipeline.2.num_variants': 2,
        'train_cfg.stages.0.dataloader.dataset.pipeline.2.num_variants': 2,
    })
    check_cacheable_pipelines(recipe)

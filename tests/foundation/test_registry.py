import pytest
from mmengine.registry import DefaultScope
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS

from onediff_kit import registry


def test_registries_are_children_of_mmengine_roots():
    assert registry.MODELS.parent is MMENGINE_MODELS
    assert registry.MODELS.scope == 'onediff_kit'
    assert MMENGINE_MODELS.children['onediff_kit'] is registry.MODELS
    assert registry.HOOKS.parent is MMENGINE_HOOKS


def test_runner_root_registry_builds_our_parts_under_default_scope():
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        hook = MMENGINE_HOOKS.build(dict(type='PlainCheckpointStateHook'))
    assert type(hook).__module__.startswith('onediff_kit.')


def test_cross_scope_build_of_mmpretrain_backbone():
    backbone = registry.MODELS.build(
        dict(type='mmpretrain.ResNet', depth=18, out_indices=(3, )))
    assert type(backbone).__name__ == 'ResNet'
    assert type(backbone).__module__.startswith('mmpretrain.')


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match='NoSuchDelta'):
        registry.MODELS.build(dict(type='NoSuchDelta'))


def test_duplicate_registration_needs_force(tiny_plugin):
    from .tiny_components import TinyRegressor
    with pytest.raises(KeyError, match='already registered'):
        registry.MODELS.register_module(module=TinyRegressor)
    assert registry.MODELS.get('TinyRegressor') is TinyRegressor

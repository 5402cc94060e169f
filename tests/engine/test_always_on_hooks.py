"""A config that adds a hook keeps the always-on hooks.

They are named entries of ``default_hooks`` in
configs/_base_/default_runtime.py (a dict, merged key by key), not items of
``custom_hooks`` (a list, which mmengine replaces).
"""
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from .engine_config import REPO, write_config

ALWAYS_ON = {
    'malloc_tuning': 'MallocTuningHook',
    'feature_cache': 'FeatureCacheHook',
    'plain_checkpoint_state': 'PlainCheckpointStateHook',
    'random_state': 'RandomStateHook',
    'non_finite_loss': 'NonFiniteLossHook',
    'checkpoint_match': 'CheckpointMatchHook',
    'checkpoint': 'AtomicCheckpointHook',
}
CONFIGS = sorted((REPO / 'configs' / 'onediff').glob('**/*.py'))


def test_a_config_adding_one_custom_hook_runs_all_always_on_hooks(
        tmp_path):
    cfg = Config.fromfile(write_config(
        tmp_path / 'one_hook.py',
        extra='custom_hooks = [dict(type="PauseAfterIterHook", '
        f'pause_after=10**9, flag_file=r"{tmp_path / "flag"}")]'))
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    names = [type(hook).__name__ for hook in runner.hooks]
    assert set(ALWAYS_ON.values()) <= set(names)
    assert names.count('RandomStateHook') == 1
    assert 'PauseAfterIterHook' in names


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[p.stem for p in CONFIGS])
def test_every_experiment_config_keeps_the_always_on_hooks(path):
    cfg = Config.fromfile(path)
    hooks = cfg.default_hooks
    for name, hook_type in ALWAYS_ON.items():
        assert hooks.get(name, {}).get('type') == hook_type, (
            f'{path.relative_to(REPO)}: default_hooks.{name} is not '
            f'{hook_type}')
    repeated = {h['type'] for h in cfg.get('custom_hooks', [])} & set(
        ALWAYS_ON.values())
    assert not repeated, f'{path.name} repeats {repeated} in custom_hooks'

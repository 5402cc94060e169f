"""Bad inputs to ``onediff train``: one clear error, no deep traceback."""
import pytest
import torch

from onediff_kit.checkpoint import CheckpointMismatchError, \
    UnsafeCheckpointError
from onediff_kit.cli import train as train_command
from onediff_kit.cli.command import run_command
from onediff_kit.config_check import ConfigError

from ..foundation.test_checkpoint_safety import ForeignPayload
from .engine_config import write_config


@pytest.fixture
def train():
    return train_command


def test_unknown_component_names_close_matches(tmp_path, train, capsys):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=1,
                       extra="model = dict(type='DropoutRegresor')")
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w')]
    with pytest.raises(ConfigError) as info:
        train.main(argv)
    assert ("model.type='DropoutRegresor': DropoutRegresor is not in the "
            'onediff_kit::model' in str(info.value))
    assert 'Did you mean: DropoutRegressor' in str(info.value)

    assert run_command('train', argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: config: model.type='DropoutRegresor'")
    assert 'Traceback' not in err


def test_unknown_hook_from_mmengine_parent_is_suggested(tmp_path, train):
    cfg = write_config(
        tmp_path / 'cfg.py', max_iters=1,
        extra="custom_hooks = [dict(type='EMAHok')]")
    with pytest.raises(ConfigError, match=r'custom_hooks\[0\]\.type.*'
                       'Did you mean: EMAHook'):
        train.main([str(cfg), '--work-dir', str(tmp_path / 'w')])


def test_an_unknown_type_inside_a_part_is_named_by_its_build():
    from onediff_kit.registry import MODELS, RegistryKeyError
    with pytest.raises(RegistryKeyError,
                       match='Did you mean: DropoutRegressor'):
        MODELS.build(dict(type='DropoutRegresor'))


@pytest.fixture
def foreign_checkpoint(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save({'state_dict': {}, 'payload': ForeignPayload()}, path)
    return path


@pytest.mark.parametrize('how', ['resume', 'load_from'])
def test_foreign_pickled_global_is_refused(tmp_path, train, capsys,
                                           foreign_checkpoint, how):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=1)
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w')]
    argv += (['--resume', str(foreign_checkpoint)] if how == 'resume' else
             ['--cfg-options', f'load_from={foreign_checkpoint}'])
    with pytest.raises(UnsafeCheckpointError, match='ForeignPayload'):
        train.main(argv)
    assert run_command('train', argv) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: UnsafeCheckpointError: Refusing to load '
                          f'checkpoint {foreign_checkpoint}')
    assert 'Traceback' not in err


def save_other_architecture(tmp_path):
    """A width-6 model's checkpoint with an extra head."""
    path = tmp_path / 'other.pth'
    torch.save(
        {
            'meta': {},
            'state_dict': {
                'linear.weight': torch.zeros(1, 6),
                'linear.bias': torch.zeros(1),
                'head.weight': torch.zeros(3, 3),
            }
        }, path)
    return path


def test_other_architecture_lists_the_keys(tmp_path, train, capsys):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=1)
    other = save_other_architecture(tmp_path)
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            f'load_from={other}']
    with pytest.raises(CheckpointMismatchError) as info:
        train.main(argv)
    message = str(info.value)
    assert 'unexpected in the checkpoint (1):\n  head.weight' in message
    assert ('linear.weight: checkpoint (1, 6) vs model (1, 4)' in message)
    assert '--load-non-strict' in message
    assert run_command('train', argv) == 1
    assert 'Traceback' not in capsys.readouterr().err


def test_load_non_strict_loads_the_matching_weights(tmp_path, train):
    cfg = write_config(tmp_path / 'cfg.py', max_iters=1)
    other = save_other_architecture(tmp_path)
    runner = train.main([
        str(cfg), '--work-dir',
        str(tmp_path / 'w'), '--load-non-strict', '--cfg-options',
        f'load_from={other}', 'optim_wrapper.optimizer.lr=0'
    ])
    model = runner.model
    # the bias matched and was loaded; the mis-shaped weight was not
    assert torch.equal(model.linear.bias.detach().cpu(), torch.zeros(1))
    assert model.linear.weight.shape == (1, 4)
    assert runner.iter == 1


def test_get_still_returns_none_outside_builds():
    # other code probes registries with get()/in and expects None/False
    from onediff_kit import registry
    assert registry.MODELS.get('DropoutRegresor') is None
    assert 'DropoutRegresor' not in registry.MODELS
    matches = registry.HOOKS.close_matches('atomiccheckpointhok')
    assert matches[0] == 'AtomicCheckpointHook'


def test_testing_a_checkpoint_of_another_architecture(tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    other = save_other_architecture(tmp_path)
    cfg = Config.fromfile(
        write_config(
            tmp_path / 'cfg.py',
            extra=f'''
test_dataloader = dict(
    batch_size=2, num_workers=0,
    dataset=dict(type='IndexedPairs', length=4, width=4),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'))
test_evaluator = dict(type='IndexRecordingMetric',
                      out_file=r"{tmp_path / 'idx.json'}")
test_cfg = dict()
load_from = r"{other}"
work_dir = r"{tmp_path / 'w'}"
'''))
    with pytest.raises(CheckpointMismatchError, match='head.weight'):
        Runner.from_cfg(cfg).test()

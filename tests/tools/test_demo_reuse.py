"""tools/demo.py reuses a finished run only if it was trained with the same
config."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_demo():
    spec = importlib.util.spec_from_file_location(
        'onediff_tool_demo', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dump_run(cfg, train_dir):
    train_dir.mkdir()
    cfg.dump(str(train_dir / osp.basename(cfg.filename)))


def test_same_config_is_reused_other_config_is_refused(tmp_path):
    demo = load_demo()
    cfg = Config.fromfile(demo.DEFAULT_CONFIG)
    same = tmp_path / 'same'
    dump_run(cfg, same)
    demo.check_same_training(cfg, str(same))  # no error

    older = Config.fromfile(demo.DEFAULT_CONFIG)
    older.merge_from_dict({'model.delta_head': None})
    other = tmp_path / 'other'
    dump_run(older, other)
    with pytest.raises(SystemExit, match=r'model\.delta_head differs.*'
                       r'--retrain'):
        demo.check_same_training(cfg, str(other))

    demo.check_same_training(cfg, str(tmp_path / 'missing'))  # no run yet


def test_first_difference_names_the_path():
    demo = load_demo()
    assert demo.first_difference({'a': {'b': [1, 2]}}, {'a': {'b': [1, 2]}},
                                 'x') is None
    assert demo.first_difference({'a': {'b': 1}}, {'a': {'b': 2}},
                                 'x') == 'x.a.b'
    assert demo.first_difference({'a': 1}, {'a': 1, 'c': 0}, 'x') == 'x.c'


def test_demo_trains_with_amp_by_default(tmp_path):
    demo = load_demo()
    assert demo.parse_args([]).amp is True
    assert demo.parse_args(['--no-amp']).amp is False
    cfg = Config.fromfile(demo.DEFAULT_CONFIG)
    demo.load_tool('train').use_amp(cfg)
    expected = ('AmpOptimWrapper' if __import__('torch').cuda.is_available()
                else 'CPUAutocastOptimWrapper')
    assert cfg.optim_wrapper.type == expected
    # A float32 run in the work dir is not reused for the amp demo.
    fp32 = tmp_path / 'fp32'
    dump_run(Config.fromfile(demo.DEFAULT_CONFIG), fp32)
    with pytest.raises(SystemExit, match=r'optim_wrapper.*--retrain'):
        demo.check_same_training(cfg, str(fp32))

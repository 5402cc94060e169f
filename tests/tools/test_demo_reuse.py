"""``onediff demo`` reuses a finished run only if it was trained with the same
config."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from onediff_kit.cli import demo
from onediff_kit.cli.command import parse_command
from onediff_kit.cli.train import use_amp


def dump_run(cfg, train_dir):
    train_dir.mkdir()
    cfg.dump(str(train_dir / osp.basename(cfg.filename)))


def test_same_config_is_reused_other_config_is_refused(tmp_path):
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
    assert demo.first_difference({'a': {'b': [1, 2]}}, {'a': {'b': [1, 2]}},
                                 'x') is None
    assert demo.first_difference({'a': {'b': 1}}, {'a': {'b': 2}},
                                 'x') == 'x.a.b'
    assert demo.first_difference({'a': 1}, {'a': 1, 'c': 0}, 'x') == 'x.c'


def test_demo_trains_with_amp_by_default(tmp_path):
    assert parse_command('demo', []).amp is True
    assert parse_command('demo', ['--no-amp']).amp is False
    cfg = Config.fromfile(demo.DEFAULT_CONFIG)
    use_amp(cfg)
    expected = ('AmpOptimWrapper' if __import__('torch').cuda.is_available()
                else 'CPUAutocastOptimWrapper')
    assert cfg.optim_wrapper.type == expected
    # A float32 run in the work dir is not reused for the amp demo.
    fp32 = tmp_path / 'fp32'
    dump_run(Config.fromfile(demo.DEFAULT_CONFIG), fp32)
    with pytest.raises(SystemExit, match=r'optim_wrapper.*--retrain'):
        demo.check_same_training(cfg, str(fp32))


def test_demo_makes_the_data_its_config_names():
    from onediff_kit.cli.demo import DEFAULT_CONFIG, synth_argv
    cfg = Config.fromfile(DEFAULT_CONFIG)
    argv = synth_argv(cfg)
    assert argv[:3] == ['data', 'synth', '--out']
    options = dict(zip(argv[2::2], argv[3::2]))
    assert options == {
        '--out': cfg.train_dataloader.dataset.data_root,
        '--num': str(cfg.synth_data.num), '--seed': str(cfg.synth_data.seed),
        '--size': str(cfg.synth_data.size),
        '--generator': cfg.synth_data.generator,
        '--rules': json.dumps(cfg.synth_data.rules, sort_keys=True)}
    # The generator's frame is what the model reads: width 192, 3:2.
    assert cfg.img_size == (cfg.synth_data.size * 2 // 3, cfg.synth_data.size)
    # A config without synth_data: the default generator at its img_size.
    plain = Config(dict(img_size=64, train_dataloader=dict(
        dataset=dict(data_root='d'))))
    assert synth_argv(plain, 50) == ['data', 'synth', '--out', 'd', '--num',
                                     '50', '--seed', '0', '--size', '64']


def test_demo_finds_data_drawn_by_an_older_look(tmp_path):
    """Data from another generator or an older ``look_version`` is stale;
    data the generator writes now is not."""
    import onediff_kit
    onediff_kit.init()
    from onediff_kit.registry import GENERATORS
    cfg = Config.fromfile(demo.DEFAULT_CONFIG)
    gen = GENERATORS.build(dict(type=cfg.synth_data.generator, size=48,
                                real_fraction=0, workers=1,
                                rules=cfg.synth_data.rules))
    gen.generate(tmp_path, 4, seed=0, progress=False)
    assert demo.stale_look(cfg, str(tmp_path)) is None
    info = tmp_path / 'info.json'
    written = info.read_text()
    info.write_text(written.replace(
        f'"look_version": {gen.look_version}',
        f'"look_version": {gen.look_version - 1}'))
    assert 'now draws look' in demo.stale_look(cfg, str(tmp_path))
    info.write_text(written.replace(cfg.synth_data.generator,
                                    'SynthDiffGenerator'))
    assert 'drawn by SynthDiffGenerator' in demo.stale_look(cfg,
                                                           str(tmp_path))
    # Other scene rules (synth_data.rules, here the after images' camera
    # jitter) make other data.
    info.write_text(written)
    recorded = json.loads(written)
    del recorded['rules']  # written before info.json recorded them
    info.write_text(json.dumps(recorded))
    assert 'drawn with rules {}' in demo.stale_look(cfg, str(tmp_path))
    info.write_text(written)
    cfg.synth_data.rules = dict(view_camera_jitter=9.0)
    assert 'the config asks for' in demo.stale_look(cfg, str(tmp_path))
    assert demo.synth_argv(cfg)[-2:] == ['--rules', '{"view_camera_jitter": 9.0}']
    gen = GENERATORS.build(dict(type=cfg.synth_data.generator, size=48,
                                real_fraction=0, workers=1,
                                rules=cfg.synth_data.rules))
    gen.generate(tmp_path, 4, seed=0, progress=False)
    assert demo.stale_look(cfg, str(tmp_path)) is None
    info.unlink()  # data from elsewhere: nothing says, nothing is redone
    assert demo.stale_look(cfg, str(tmp_path)) is None


def test_every_step_builds_the_model_with_the_runs_cfg_options(
        tmp_path, monkeypatch):
    """A run trained with ``--cfg-options`` (a model without image tokens,
    say) is visualised and exported with them too, or its checkpoint does
    not load."""
    import onediff_kit.apis
    import onediff_kit.data.manifest
    built = []

    class Captioner:
        def __init__(self, config, checkpoint, **kwargs):
            built.append(kwargs.get('cfg_options'))

        def save_pretrained(self, *args, **kwargs):
            pass

    monkeypatch.setattr(onediff_kit.apis, 'DiffCaptioner', Captioner)
    monkeypatch.setattr(onediff_kit.data.manifest, 'load_manifest',
                        lambda *args, **kwargs: [])
    options = {'model.image_tokens': None}
    args = parse_command('demo', ['--cfg-options', 'model.image_tokens=None'])
    assert args.cfg_options == options
    demo.visualise(args, 'ckpt.pth', str(tmp_path), str(tmp_path / 'vis'), 0)
    demo.export_pretrained(args, 'ckpt.pth', str(tmp_path))
    assert built == [options, options]

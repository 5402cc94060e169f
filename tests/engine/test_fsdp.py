"""Sharded training of the paper recipe's miniature: FlexibleRunner + FSDP.

``tools/dist_train.sh CONFIG 2`` (torchrun, gloo on CPU) trains the miniature
twin of ``configs/onediff/onediff_clip-l14-336_vicuna-7b_fsdp_diffcap.py`` (the
paper recipe + ``configs/_base_/strategies/fsdp.py``; tiny CLIP, BERT and
Llama with LoRA, tests/paper_recipe/miniature.py), 2 processes x batch 1,
while tools/train.py trains the paper recipe in one process x batch 2 (the
normal Runner). Both start from one saved initialisation and see the same global
batches: DefaultSampler and MixedTaskSampler give rank r of w the positions
r, r+w, ... of one stream; dropout is off and every caption is cut to the
same number of tokens, so the mean loss over 2 processes is the mean loss of
the batch of 2. bf16 autocast (the config's) stays on.

The comparison with one process runs without autocast (float32): bf16
autocast rounds every matmul to 8 bits of mantissa, and a batch of 1 and a
batch of 2 take different bf16 kernels, so under bf16 the two runs differ by
rounding that depends on the CPU (0.16 % of the update on an AMD EPYC, 1.75 %
on an Intel Xeon), while in float32 the same runs differ by 2e-6, the
summation order of gloo's all-reduce and of the batched backward. Stated
tolerance, float32: over the parameters that trained, the difference of the
two runs' updates is under ``UPDATE_RTOL`` of the single process's update
(L2 norm of all of them together), the clipping gradient norm (the whole
model's, on every rank) agrees within the same bound, and every frozen
tensor is bit-identical to the initialisation. A real difference (a missing
sample, an unreduced shard, another batch) moves the update by a sizeable
fraction of its norm. The sharded run with the config's bf16 autocast
trains the tests below: the stages refreeze under FSDP, ``--resume`` from an
FSDP checkpoint matches the uninterrupted run, and the FSDP checkpoint
captions in one process.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from onediff_kit.checkpoint import load_local

from ..paper_recipe.miniature import (PAPER_CONFIG, as_cli,
                                      build_tiny_weights, make_synth_data,
                                      miniature_cfg_options)
from .engine_config import REPO
from .test_distributed import free_port

STRATEGY = REPO / 'configs' / '_base_' / 'strategies' / 'fsdp.py'
FSDP_CONFIG = (REPO / 'configs' / 'onediff' /
               'onediff_clip-l14-336_vicuna-7b_fsdp_diffcap.py')
ITERS = 1  # per stage: stage 1 trains delta + projector, stage 2 adds LoRA
# Float32 runs that differ only in summation order: a reordered sum of n
# terms differs by about sqrt(n) float32 epsilons (n in the hundreds here:
# batch x tokens x width), compounded over the layers and through Adam's
# normalised first step; 1000 epsilons (1.2e-4) leaves a margin of 50 over
# the 2e-6 measured, and lies far below a real difference.
UPDATE_RTOL = 1000 * torch.finfo(torch.float32).eps
FLOAT32_OPTIM_WRAPPER = '''optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=0.0),
    clip_grad=dict(max_norm=1.0))
'''


def _options(paths, data, batch_size, init, float32=False):
    opts = miniature_cfg_options(paths, data, ITERS, ITERS,
                                 batch_size=batch_size)
    if float32:  # the optimizer wrapper comes from _float32_config
        del opts['optim_wrapper.type']
    # Training only: no validation loop (its metric is not under test).
    opts = {k: v for k, v in opts.items()
            if not k.startswith(('val_', 'test_'))}
    opts.update({
        'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None,
        'load_from': str(init),
        'model.delta.dropout': 0.0,
        'model.decoder.lora.dropout': 0.0,
        # captions of at least 3 words: 3 tokens + EOS for every sample
        'model.decoder.max_length': 4,
        'train_cfg.stages.0.dataloader.dataset.caption_pick': 'first',
    })
    for key in list(opts):
        if key.startswith('train_dataloader.dataset.datasets.') and \
                key.endswith('.ann_file'):
            opts[key.replace('.ann_file', '.caption_pick')] = 'first'
    return opts


def _save_initialisation(opts, path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from onediff_kit.registry import MODELS
    cfg = Config.fromfile(PAPER_CONFIG)
    cfg.merge_from_dict(opts)
    if DefaultScope.get_current_instance() is None:
        DefaultScope.get_instance('test_fsdp', scope_name='onediff_kit')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, path)


def _grad_norms(work_dir):
    scalars = next(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line)['grad_norm']
            for line in scalars.read_text().splitlines()
            if 'grad_norm' in line]


def _env():
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(REPO)] + os.environ.get('PYTHONPATH', '').split(os.pathsep)),
        PYTHON=sys.executable, PORT=str(free_port()), OMP_NUM_THREADS='1')


def _float32_config(base, path):
    """``base`` trained without autocast: a plain ``OptimWrapper``."""
    path.write_text(f'_base_ = [r"{base}"]\n' + FLOAT32_OPTIM_WRAPPER)
    return path


def _dist_train(work_dir, opts, env, *args, config=FSDP_CONFIG):
    return subprocess.Popen(
        ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(config),
         '2', '--work-dir', str(work_dir), *args,
         '--cfg-options', *as_cli(opts)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('fsdp')
    data = make_synth_data(root / 'synth', num=16)
    paths = build_tiny_weights(root / 'weights', data)
    init = root / 'init.pth'
    _save_initialisation(_options(paths, data, 2, init), init)
    env = _env()
    sharded = _dist_train(root / 'fsdp', _options(paths, data, 1, init), env)
    sharded_fp32 = _dist_train(
        root / 'fsdp_fp32', _options(paths, data, 1, init, float32=True),
        dict(env, PORT=str(free_port())),
        config=_float32_config(FSDP_CONFIG, root / 'fsdp_fp32.py'))
    one_fp32 = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'),
         str(_float32_config(PAPER_CONFIG, root / 'one_fp32.py')),
         '--work-dir', str(root / 'one_fp32'), '--cfg-options',
         *as_cli(_options(paths, data, 2, init, float32=True))],
        env=env, capture_output=True, text=True, timeout=240)
    assert one_fp32.returncode == 0, one_fp32.stderr[-3000:]
    for run in (sharded, sharded_fp32):
        _, err = run.communicate(timeout=240)
        assert run.returncode == 0, err[-3000:]
    return dict(root=root, data=data, init=init, paths=paths,
                opts=_options(paths, data, 2, init))


def _state(path):
    return load_local(str(path), map_location='cpu')['state_dict']


def test_fsdp_matches_one_process(runs):
    root = runs['root']
    log = next((root / 'fsdp_fp32').glob('*/*.log')).read_text()
    assert "type='onediff_kit.WholeModelFSDPStrategy'" in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    init = torch.load(runs['init'], weights_only=True)['state_dict']
    last = f'iter_{2 * ITERS}.pth'
    sharded = _state(root / 'fsdp_fp32' / last)
    one = _state(root / 'one_fp32' / last)
    assert sharded.keys() == one.keys() == init.keys()

    trained = [k for k in init if not torch.equal(one[k], init[k])]
    assert any('lora_' in k for k in trained)
    assert any(k.startswith('delta.') for k in trained)
    for key in init:
        if key not in trained:  # frozen: CLIP, the LM's own weights
            assert torch.equal(sharded[key], init[key]), key
    diff = torch.cat([(sharded[k] - one[k]).flatten() for k in trained])
    step = torch.cat([(one[k] - init[k]).flatten() for k in trained])
    assert diff.norm() < UPDATE_RTOL * step.norm(), (diff.norm(),
                                                     step.norm())

    # The config clips at 1.0; the norm (about 50 here) is the whole
    # model's on both, also on rank 0, whose shard has no gradient in stage
    # 1 (mmengine's own clipping logged nothing there).
    torch.testing.assert_close(_grad_norms(root / 'fsdp_fp32'),
                               _grad_norms(root / 'one_fp32'),
                               rtol=UPDATE_RTOL, atol=0)


def test_bf16_autocast_trains_under_fsdp(runs):
    """The config's bf16 autocast under FSDP: every trained tensor stays
    float32 and finite, and the step is of the float32 run's size (both
    runs take one Adam step of the same learning rate per element)."""
    root = runs['root']
    log = next((root / 'fsdp').glob('*/*.log')).read_text()
    assert "type='CPUAutocastOptimWrapper'" in log
    init = torch.load(runs['init'], weights_only=True)['state_dict']
    last = f'iter_{2 * ITERS}.pth'
    bf16 = _state(root / 'fsdp' / last)
    fp32 = _state(root / 'fsdp_fp32' / last)
    trained = [k for k in init if not torch.equal(fp32[k], init[k])]
    assert all(bf16[k].dtype == init[k].dtype for k in init)
    step_bf16 = torch.cat([(bf16[k] - init[k]).flatten() for k in trained])
    step_fp32 = torch.cat([(fp32[k] - init[k]).flatten() for k in trained])
    assert torch.isfinite(step_bf16).all()
    # Adam's first steps are about lr per element whatever the rounding; a
    # broken autocast run (no step, or a diverged one) is far outside 2x.
    ratio = (step_bf16.norm() / step_fp32.norm()).item()
    assert 0.5 < ratio < 2, ratio


def test_stages_refreeze_under_fsdp(runs):
    """Stage 1 trains delta + projector only; LoRA starts in stage 2."""
    root, init = runs['root'], torch.load(runs['init'],
                                          weights_only=True)['state_dict']
    stage1 = _state(root / 'fsdp' / f'iter_{ITERS}.pth')
    stage2 = _state(root / 'fsdp' / f'iter_{2 * ITERS}.pth')
    moved1 = {k for k in init if not torch.equal(stage1[k], init[k])}
    moved2 = {k for k in init if not torch.equal(stage2[k], stage1[k])}
    assert moved1 and all(k.startswith(('delta.', 'projector.'))
                          for k in moved1)
    assert any('lora_' in k for k in moved2)
    assert not any(k.startswith('encoder.') for k in moved1 | moved2)


def test_fsdp_resume_matches(runs):
    """Resume at stage 2's first iteration from an FSDP checkpoint (full
    optimizer state) ends where the uninterrupted run ended."""
    root = runs['root']
    work = root / 'resumed'
    work.mkdir()
    shutil.copy(root / 'fsdp' / f'iter_{ITERS}.pth', work)
    resumed = _dist_train(
        work, _options(runs['paths'], runs['data'], 1, runs['init']),
        _env(), '--resume', str(work / f'iter_{ITERS}.pth'))
    _, err = resumed.communicate(timeout=240)
    assert resumed.returncode == 0, err[-3000:]
    ours = _state(work / f'iter_{2 * ITERS}.pth')
    theirs = _state(root / 'fsdp' / f'iter_{2 * ITERS}.pth')
    for key in theirs:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0,
                                   atol=1e-6, msg=key)


def test_fsdp_checkpoint_captions_in_one_process(runs):
    from onediff_kit.apis import DiffCaptioner
    ckpt = runs['root'] / 'fsdp' / f'iter_{2 * ITERS}.pth'
    torch.load(ckpt, weights_only=True)  # the project's loading rule
    captioner = DiffCaptioner(str(PAPER_CONFIG), str(ckpt), device='cpu',
                              cfg_options=runs['opts'])
    saved = _state(ckpt)
    for key, value in captioner.model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    with open(runs['data'] / 'manifest.jsonl', encoding='utf-8') as f:
        records = [json.loads(line) for line in f if line.strip()][:2]
    captions = captioner.caption(
        [str(runs['data'] / r['before']) for r in records],
        [str(runs['data'] / r['after']) for r in records])
    assert len(captions) == 2 and all(isinstance(c, str) for c in captions)


def test_cpu_fsdp_config_gets_a_cpu_device():
    from mmengine.config import Config

    from onediff_kit.engine.distributed import use_cpu_dist_config
    cfg = Config.fromfile(STRATEGY)
    use_cpu_dist_config(cfg)
    if torch.cuda.is_available():
        assert 'device_id' not in cfg.strategy.model_wrapper
    else:
        # mmengine passes device_id=LOCAL_RANK, a CUDA device to FSDP.
        assert cfg.strategy.model_wrapper.device_id == 'cpu'
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert 'model_wrapper_cfg' not in cfg  # DDP's, unused here


def test_fsdp_config_without_launcher_is_a_clear_error(tmp_path):
    from onediff_kit.config_check import ConfigError
    from onediff_kit.cli.train import main as train
    with pytest.raises(ConfigError, match='tools/dist_train.sh'):
        train([str(FSDP_CONFIG), '--work-dir', str(tmp_path)])


NO_DEEPSPEED = (not torch.cuda.is_available()
                or importlib.util.find_spec('deepspeed') is None)


@pytest.mark.skipif(
    NO_DEEPSPEED, reason='DeepSpeedStrategy needs CUDA and the deepspeed '
    'package (not a dependency; docs/distributed.md)')
def test_deepspeed_trains_the_miniature(tmp_path):
    """A DeepSpeed engine is a model wrapper whose trainable parts are fixed
    at wrap time, so this run has one stage (the model's configured
    ``trainable``: delta + projector) on the stage-2 data."""
    data = make_synth_data(tmp_path / 'synth', num=16)
    paths = build_tiny_weights(tmp_path / 'weights', data)
    opts = miniature_cfg_options(paths, data, 1, 1, batch_size=1)
    opts = {k: v for k, v in opts.items()
            if not k.startswith(('val_', 'test_', 'train_cfg.',
                                 'optim_wrapper.'))}
    opts.update({'val_dataloader': None, 'val_cfg': None,
                 'val_evaluator': None})
    config = tmp_path / 'deepspeed.py'
    config.write_text(f'''_base_ = [r"{PAPER_CONFIG}"]
runner_type = 'FlexibleRunner'
strategy = dict(type='DeepSpeedStrategy', bf16=dict(enabled=True),
                zero_optimization=dict(stage=2), gradient_clipping=1.0)
optim_wrapper = dict(_delete_=True, type='DeepSpeedOptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3))
train_cfg = dict(_delete_=True, type='MultiStageTrainLoop',
                 stages=[dict(name='difference', iters=2)],
                 val_begin=3, val_interval=3)
env_cfg = dict(dist_cfg=dict(backend='nccl'))
''')
    nproc = min(2, torch.cuda.device_count())
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    run = subprocess.run(
        ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(config),
         str(nproc), '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         *as_cli(opts)],
        env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / 'work' / 'iter_2.pth').exists()

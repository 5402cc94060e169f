"""MultiStageTrainLoop on the real 900-iteration recipe, shrunk by
--cfg-options.

The SIGKILL test runs tools/train.py in subprocesses on
configs/onediff/onediff_mobilenetv2-vdm_900it_synthdiff.py (the recipe the
default inherits; it keeps dropout and a colour-jitter draw per visit, so
the random states matter) with a tiny model, 32 px
images and a synthetic data set made here. One run is killed in stage 1 and,
resumed, killed again in stage 2; resumed once more it must end with the
weights of a run that was never interrupted. The config draws random
numbers in the model (dropout) and, with ``num_workers=0``, in the main
process's data pipeline (colour jitter), so the random states must be
restored after the fast-forward, right before the first trained batch.
"""
import signal
import time
import uuid

import pytest
import torch
from mmengine.config import Config

from onediff_kit.checkpoint import load_local

from .engine_config import REPO
from .test_crash_resume import finish, start

DEFAULT = (REPO / 'configs' / 'onediff' /
           'onediff_mobilenetv2-vdm_900it_synthdiff.py')
STAGE_ITERS = 4  # per stage; checkpoints every 2 iterations


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from tests.paper_recipe.miniature import make_synth_data
    return make_synth_data(tmp_path_factory.mktemp('synth'), num=40,
                           size=32)


def shrink(root):
    """Options that shrink the recipe (schedule, model, images,
    data) and point it at ``root``; nothing else changes."""
    loaders = ('train_dataloader', 'train_cfg.stages.0.dataloader')
    opts = {f'{key}.dataset.data_root': str(root) for key in loaders + (
        'val_dataloader', 'test_dataloader')}
    for key in loaders:
        opts.update({f'{key}.batch_size': 4, f'{key}.num_workers': 0,
                     f'{key}.persistent_workers': False,
                     f'{key}.dataset.pipeline.1.size': 32})
    opts.update({
        'model.decoder.vocab_file': f'{root}/vocab.json',
        'train_cfg.stages.0.iters': STAGE_ITERS,
        'train_cfg.stages.1.iters': STAGE_ITERS,
        'train_cfg.val_begin': 1000,
        'param_scheduler.0.end': 2, 'param_scheduler.1.begin': 2,
        'param_scheduler.1.end': 2 * STAGE_ITERS,
        'model.encoder.pretrained': None, 'model.encoder.probe_size': 32,
        'model.delta.embed_dims': 32, 'model.delta.num_heads': 2,
        'model.delta.ffn_dims': 64, 'model.delta.num_layers': 1,
        'model.delta.bert_init': None,
        'model.decoder.embed_dims': 32, 'model.decoder.num_heads': 2,
        'model.decoder.ffn_dims': 64, 'model.decoder.num_layers': 1,
        'default_hooks.checkpoint.interval': 2,
        'default_hooks.checkpoint.save_best': None,
        'default_hooks.logger.interval': 1,
    })
    return opts


def cfg_options(opts):
    """``opts`` as tools/train.py's --cfg-options arguments."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def pausing_config(path, flags):
    """The recipe plus hooks that hang after the given iterations
    (the always-on hooks stay: they are default_hooks)."""
    hooks = ',\n'.join(
        f'    dict(type="PauseAfterIterHook", pause_after={it}, '
        f'flag_file=r"{flag}")' for it, flag in flags)
    path.write_text(f'''
_base_ = [r"{DEFAULT}"]
experiment_name = '{path.stem}_{uuid.uuid4().hex[:12]}'
custom_imports = dict(imports=['tests.engine.engine_components'],
                      allow_failed_imports=False)
custom_hooks = [
{hooks},
]
''')
    return path


def kill_when(proc, flag):
    deadline = time.time() + 180
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.time() < deadline, f'the run never wrote {flag}'
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_in_each_stage_then_resume_matches_uninterrupted(
        tmp_path, data_root):
    opts = cfg_options(shrink(data_root))
    flags = [(3, tmp_path / 'paused_stage1'), (7, tmp_path / 'paused_stage2')]
    cfg = pausing_config(tmp_path / 'pausing.py', flags)
    work = tmp_path / 'victim'

    reference = start(DEFAULT, tmp_path / 'reference', *opts)
    # Killed during iteration 4 (stage 1), after iter_2.pth.
    victim = start(cfg, work, *opts)
    kill_when(victim, flags[0][1])
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    # Resumed at 2 (stage 1), killed during iteration 8 (stage 2) after
    # iter_6.pth: the next resume skips stage 1's data entirely.
    victim = start(cfg, work, '--resume', *opts)
    kill_when(victim, flags[1][1])
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_6.pth')
    finish(start(cfg, work, '--resume', *opts), timeout=180)
    finish(reference, timeout=180)

    last = f'iter_{2 * STAGE_ITERS}.pth'
    ours = load_local(str(work / last))
    theirs = load_local(str(tmp_path / 'reference' / last))
    assert ours['state_dict'].keys() == theirs['state_dict'].keys()
    for key, value in theirs['state_dict'].items():
        if not torch.is_tensor(value):  # the tokenizer (extra state)
            assert ours['state_dict'][key] == value, key
            continue
        torch.testing.assert_close(
            ours['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
    assert torch.equal(ours['random_states']['torch'],
                       theirs['random_states']['torch'])
    # the losses of the resumed iterations 7 and 8 are the uninterrupted's
    ours_loss = ours['message_hub']['log_scalars']['train/loss']
    theirs_loss = theirs['message_hub']['log_scalars']['train/loss']
    torch.testing.assert_close(
        torch.tensor(ours_loss['log_history'][-2:]),
        torch.tensor(theirs_loss['log_history'][-2:]), rtol=0, atol=1e-6)


class StageRecorder:
    """Per iteration: which parts have trainable parameters, whether the
    frozen ones are in eval mode, and which parts the step changed."""

    def __init__(self):
        self.iters = []

    def before(self, model):
        self.before_params = {n: p.detach().clone()
                              for n, p in model.named_parameters()}
        self.trainable = {n for n, p in model.named_parameters()
                          if p.requires_grad}
        # a part trains when any of its leaf modules (layers, dropout,
        # norms) is in training mode
        self.training = {
            name: any(m.training for m in model.get_submodule(name).modules()
                      if not any(m.children()))
            for name in ('encoder', 'delta_head', 'delta')}

    def after(self, model):
        changed = {n for n, p in model.named_parameters()
                   if not torch.equal(p.detach(), self.before_params[n])}
        self.iters.append(dict(trainable=parts(self.trainable),
                               changed=parts(changed),
                               training=self.training))


def parts(names):
    return {name.split('.')[0] for name in names}


def test_set_trainable_between_stages(tmp_path, data_root):
    """The default's stage 1 trains delta, projector and decoder (the
    auxiliary head waits), stage 2 everything but the frozen encoder; a
    third stage here freezes again parts that trained. Frozen parts have no
    trainable parameter, stay in eval mode and are not updated by the
    optimizer (AdamW with weight decay and momentum from earlier steps)."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    cfg = Config.fromfile(DEFAULT)
    cfg.merge_from_dict(shrink(data_root))
    cfg.train_cfg.stages.append(
        dict(name='decoder_only', iters=2, trainable=('decoder', )))
    cfg.param_scheduler[1].end = 2 * STAGE_ITERS + 2
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = f'stages_{uuid.uuid4().hex[:12]}'
    recorder = StageRecorder()

    class Record(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None):
            recorder.before(runner.model)

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            recorder.after(runner.model)

    runner = Runner.from_cfg(cfg)
    runner.register_hook(Record(), 'LOWEST')
    runner.train()

    stage1, stage2, stage3 = (recorder.iters[:STAGE_ITERS],
                              recorder.iters[STAGE_ITERS:2 * STAGE_ITERS],
                              recorder.iters[2 * STAGE_ITERS:])
    assert len(stage3) == 2
    for it in stage1:
        assert it['trainable'] == {'delta', 'projector', 'decoder'}
        assert it['changed'] == {'delta', 'projector', 'decoder'}
        assert it['training'] == dict(encoder=False, delta_head=False,
                                      delta=True)
    for it in stage2:
        assert it['trainable'] == {'delta', 'projector', 'decoder',
                                   'delta_head'}
        assert it['changed'] == it['trainable']
        assert it['training'] == dict(encoder=False, delta_head=True,
                                      delta=True)
    for it in stage3:
        assert it['trainable'] == it['changed'] == {'decoder'}
        assert it['training'] == dict(encoder=False, delta_head=False,
                                      delta=False)

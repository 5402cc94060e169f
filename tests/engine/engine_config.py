"""Writes configs for the engine tests' tiny components."""
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def write_config(path, max_iters=8, batch_size=4, length=32, shuffle=True,
                 dropout=0.0, inf_at=None, interval=2, max_keep_ckpts=2,
                 extra=''):
    # mmengine hands a new runner the logger of an experiment with the same
    # name (config name + second); under pytest's capture its stream may be
    # a finished test's, so every config gets a name of its own.
    path.write_text(f'''
experiment_name = '{path.stem}_{uuid.uuid4().hex[:12]}'
_base_ = [
    r"{REPO}/configs/_base_/default_runtime.py",
    r"{REPO}/configs/_base_/schedules/adamw_iter.py",
]
custom_imports = dict(imports=['tests.engine.engine_components'],
                      allow_failed_imports=False)
model = dict(type='DropoutRegressor', width=4, dropout={dropout})
train_dataloader = dict(
    batch_size={batch_size},
    num_workers=0,
    dataset=dict(type='IndexedPairs', length={length}, width=4,
                 inf_at={inf_at}),
    sampler=dict(type='DefaultSampler', shuffle={shuffle}),
    collate_fn=dict(type='pseudo_collate'))
train_cfg = dict(by_epoch=False, max_iters={max_iters}, val_interval=1000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False,
                        begin=0, end={max_iters})]
default_hooks = dict(
    checkpoint=dict(interval={interval}, save_best=None,
                    max_keep_ckpts={max_keep_ckpts}),
    logger=dict(interval=1))
{extra}
''')
    return path

"""Writes a config for the tiny model that inherits the project's bases."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def write_tiny_config(path, max_iters=4):
    path.write_text(f'''
_base_ = [
    r"{REPO}/configs/_base_/default_runtime.py",
    r"{REPO}/configs/_base_/schedules/adamw_iter.py",
]
model = dict(type='TinyRegressor', width=4)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dict(type='TinyPairs', length=32, width=4),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'))
max_iters = {max_iters}
train_cfg = dict(by_epoch=False, max_iters={max_iters}, val_interval=1000)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(
    checkpoint=dict(interval=2, save_best=None),
    logger=dict(interval=1))
''')
    return path

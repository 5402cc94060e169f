# Iteration-based AdamW schedule with linear warm-up and cosine decay.
max_iters = 2000
warmup_iters = 100
lr = 5e-4

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, betas=(0.9, 0.98), weight_decay=0.01),
    clip_grad=dict(max_norm=1.0),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=warmup_iters,
         end=max_iters, eta_min_ratio=0.01),
]

train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=500)
val_cfg = dict()
test_cfg = dict()

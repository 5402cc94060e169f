# The CPU-size recipe shared by the benchmark configs
# (configs/onediff/onediff_mobilenetv2-vdm_<benchmark>.py): the default
# OneDiff model (frozen ImageNet MobileNetV2 -> Visual Delta Module from
# MiniLM -> MLP projector -> transformer decoder from scratch) trained in
# one stage on the benchmark's train split. Validation on val every 500
# iterations keeps the best checkpoint (save_best, default_runtime.py);
# test is read only by tools/test.py. Each benchmark config adds its
# dataset base and the decoder's vocabulary and caption length.
_base_ = [
    './models/onediff_mobilenetv2_vdm.py',
    './schedules/adamw_iter.py',
    './default_runtime.py',
]

# 3000 iterations of 16 pairs (48,000 samples): about one pass over
# CLEVR-Change's or CLEVR-DC's tens of thousands of training pairs, several
# over Spot-the-Diff's 8,529 and IER's 3,061; selection on val guards the
# small sets against over-fitting. A CPU budget, not a tuned schedule.
max_iters = 3000
val_interval = 500
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100,
         end=max_iters, eta_min_ratio=0.01),
]
default_hooks = dict(
    checkpoint=dict(interval=val_interval), logger=dict(interval=50))

# The vocabulary: each benchmark config names DATA/vocab.json, which
# `onediff data import` writes from the manifest's train split only.

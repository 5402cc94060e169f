# Runtime shared by every onediff_kit config (mmengine format).
default_scope = 'onediff_kit'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # The best checkpoint is chosen on the validation split's CIDEr.
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=500,
        max_keep_ckpts=2,
        save_best='caption/CIDEr',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

# Keeps checkpoints loadable with torch.load(weights_only=True).
custom_hooks = [dict(type='PlainCheckpointStateHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=False, window_size=20)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)

# Runtime shared by every onediff_kit config (mmengine format).
default_scope = 'onediff_kit'

# Every hook here is a named entry of default_hooks, a dict that configs
# merge key by key: a config that sets `custom_hooks = [...]` (a list, which
# mmengine replaces) keeps all of them. To change one, set its keys
# (`default_hooks = dict(checkpoint_match=dict(strict=False))`); to drop one,
# `default_hooks = dict(_delete_=True, ...)` with the ones to keep, or
# `cfg.default_hooks.pop(NAME)` in Python (mmengine accepts `NAME=None` only
# for its own six names). tests/engine/test_always_on_hooks.py checks this.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # The best checkpoint is chosen on the validation split's CIDEr.
    # CheckpointHook with atomic writes (a kill never corrupts the latest).
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=500,
        max_keep_ckpts=2,
        save_best='caption/CIDEr',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # glibc keeps freed tensor memory instead of returning it to the kernel
    # (large system-time and page-fault savings; BENCHMARKS.md).
    malloc_tuning=dict(type='MallocTuningHook'),
    # Checks and logs a CachedEncoder's feature cache (a no-op without one).
    feature_cache=dict(type='FeatureCacheHook'),
    # Keeps checkpoints loadable with torch.load(weights_only=True).
    plain_checkpoint_state=dict(type='PlainCheckpointStateHook'),
    # RNG states in checkpoints, restored on resume.
    random_state=dict(type='RandomStateHook'),
    # NaN/inf loss stops training before a bad checkpoint is saved.
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # A checkpoint of another architecture is an error listing the keys.
    checkpoint_match=dict(type='CheckpointMatchHook', strict=True),
)

# Hooks of one experiment (e.g. DiffVisualizationHook); none by default.
custom_hooks = []

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

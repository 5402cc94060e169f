# the 900-iteration recipe with the feature cache and one fixed colour-jitter
# draw per pair (FixedVariants K=1)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(
    encoder=dict(_delete_=True, type='CachedEncoder',
                 encoder=_base_.model.encoder,
                 cache=dict(root='work_dirs/feature_cache', dtype='float32')))
# Both stages' train pipelines, with FixedVariants giving one fixed draw.
cached_pipeline = [
    dict(step, num_variants=1) if step['type'] == 'FixedVariants' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=cached_pipeline))
train_cfg = dict(stages=[
    dict(_base_.train_cfg.stages[0],
         dataloader=dict(
             _base_.train_cfg.stages[0].dataloader,
             dataset=dict(_base_.train_cfg.stages[0].dataloader.dataset,
                          pipeline=cached_pipeline))),
    _base_.train_cfg.stages[1],
])

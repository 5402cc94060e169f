# Stage 2 style multi-task mixing: synthetic pairs, real-photo edits and
# coupled scenes in fixed ratios, each with its task prompt. The sampler's
# index stream is a pure function of (seed, position): resuming is exact.
_base_ = ['./synthdiff.py']

_synth = dict(
    type='DiffCaptionDataset',
    data_root={{_base_.data_root}},
    ann_file='manifest.jsonl',
    split='train',
    pipeline={{_base_.train_pipeline}})
_coupled = dict(
    type='CoupledSampleDataset',
    data_root={{_base_.data_root}},
    ann_file='scenes.jsonl',
    split='train',
    num_pairs=5000,
    pipeline={{_base_.train_pipeline}})

train_dataloader = dict(
    sampler=dict(_delete_=True, type='MixedTaskSampler', infinite=False),
    dataset=dict(
        _delete_=True,
        type='MultiTaskDataset',
        datasets=[_synth, _coupled],
        ratios=[0.8, 0.2],
        prompts={{_base_.prompts}}),
)

# Shared body of the benchmark dataset configs (clevr_change.py, ...): a
# manifest made by `onediff data import`, read per split. No augmentation:
# the peers train on fixed features, a flip would swap "left" and "right" in
# the captions, and a colour jitter could fake or hide a colour change.
dataset_type = 'DiffCaptionDataset'
data_root = 'data/benchmark'  # set by each benchmark's config
img_size = 224  # what the peers' ResNet-101 features see

train_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=img_size),
    dict(type='PackDiffInputs'),
]
test_pipeline = train_pipeline

_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='manifest.jsonl',
    prompts=dict())  # each benchmark's config sets its task's prompt

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(**_dataset, split='train', pipeline=train_pipeline),
)
# Checkpoints are selected on val; test is read only by tools/test.py.
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        **_dataset,
        split='val',
        caption_pick='first',
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        **_dataset,
        split='test',
        caption_pick='first',
        test_mode=True,
        pipeline=test_pipeline),
)
# A list, so that --cfg-options val_evaluator.0.metrics=... stays a metric
# argument (mmengine reads a top-level `metrics` key as an Evaluator's).
val_evaluator = [dict(type='CaptionMetric')]  # each benchmark sets protocol
test_evaluator = val_evaluator

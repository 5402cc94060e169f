# Shared body of the benchmark dataset configs (spot_the_diff.py, ...):
# a manifest made by `onediff data import`, images resized to img_size.
dataset_type = 'DiffCaptionDataset'
data_root = 'data/benchmark'  # set by each benchmark's config
img_size = 224
task_prompts = dict()  # set by each benchmark's config

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
    task_prompts=task_prompts)

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(**_dataset, split='train', pipeline=train_pipeline),
)
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
val_evaluator = dict(type='CaptionMetric')
test_evaluator = val_evaluator

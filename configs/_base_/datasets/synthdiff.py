# The embedded default data: `onediff data synth --out data/synthdiff
# --num 10000 --seed 0` writes it (about a minute on 2 cores).
dataset_type = 'DiffCaptionDataset'
data_root = 'data/synthdiff'
img_size = 128

# The decoder's prompt per task (the records' `task`), given to every dataset
# of this config: training, evaluation and captioning use the same words.
prompts = dict(
    synth_diff='Describe what changed between the two scenes.',
    real_edit='Describe the edit made to the photo.',
    synth_scene='Describe the two images.',
    coupled='Describe the two images.',
)

train_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=img_size),
    # Same draw for both images. No RandomFlipPair: captions name left and
    # right (see docs/data_format.md); no crop: it could cut the change out.
    # FixedVariants with num_variants=None draws per visit, as the jitter
    # alone does; an int K gives each pair K fixed draws, which a feature
    # cache can store (CachedEncoder).
    dict(type='FixedVariants', num_variants=None,
         transforms=[dict(type='ColorJitterPair', brightness=0.1,
                          contrast=0.1, saturation=0.05, prob=0.5)]),
    dict(type='PackDiffInputs'),
]
test_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=img_size),
    dict(type='PackDiffInputs'),
]

_dataset = dict(type=dataset_type, data_root=data_root,
                ann_file='manifest.jsonl', prompts=prompts)
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(**_dataset, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=32,
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
    batch_size=32,
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

# Stage 1, Coupled Sample Training: pairs of two single-image scene captions
# (scenes.jsonl of the synthetic data) coupled into one pseudo pair. Used by
# the MultiStageTrainLoop of configs/onediff/ and by synthdiff_coupled.py.
coupled_template = 'the first image shows {a} and the second image shows {b}'
coupled_train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='CoupledSampleDataset',
        data_root=data_root,
        ann_file='scenes.jsonl',
        split='train',
        template=coupled_template,
        num_pairs=20000,
        seed=0,
        task='coupled',
        prompts=prompts,
        pipeline=train_pipeline),
)

# Stage 1, Coupled Sample Training: two single-image scene captions
# (scenes.jsonl of the synthetic data) coupled into one pseudo pair.
_base_ = ['./synthdiff.py']

coupled_template = 'the first image shows {a} and the second image shows {b}'

train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='CoupledSampleDataset',
        data_root={{_base_.data_root}},
        ann_file='scenes.jsonl',
        split='train',
        template=coupled_template,
        num_pairs=20000,
        seed=0,
        task='coupled',
        task_prompts={{_base_.task_prompts}},
        pipeline={{_base_.train_pipeline}}),
)

# clevr-change: make the manifest with
#   onediff data import clevr-change --src <upstream folder> \
#       --out data/clevr-change/manifest.jsonl --root data/clevr-change --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/clevr-change'
img_size = 224
task_prompts = dict(clevr_change='Describe what changed between the two scenes.')

_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=img_size),
    dict(type='PackDiffInputs'),
]
_dataset = dict(data_root=data_root, task_prompts=task_prompts,
                pipeline=_pipeline)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

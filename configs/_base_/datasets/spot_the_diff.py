# spot-the-diff: make the manifest with
#   onediff data import spot-the-diff --src <upstream folder> \
#       --out data/spot-the-diff/manifest.jsonl --root data/spot-the-diff --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/spot-the-diff'
img_size = 224
task_prompts = dict(spot_the_diff='Describe the differences between the two street scenes.')

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

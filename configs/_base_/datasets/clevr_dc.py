# clevr-dc: make the manifest with
#   onediff data import clevr-dc --src <upstream folder> \
#       --out data/clevr-dc/manifest.jsonl --root data/clevr-dc --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/clevr-dc'
img_size = 224
task_prompts = dict(clevr_dc='Describe what changed between the two scenes, ignoring the viewpoint.')

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

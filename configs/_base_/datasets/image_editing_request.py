# image-editing-request: make the manifest with
#   onediff data import image-editing-request --src <upstream folder> \
#       --out data/image-editing-request/manifest.jsonl --root data/image-editing-request --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/image-editing-request'
img_size = 224
task_prompts = dict(image_editing_request='Write the editing request that turns the first image into the second.')

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

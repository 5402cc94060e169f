# image-editing-request: make the manifest with
#   onediff data import image-editing-request --src <upstream folder> \
#       --out data/image-editing-request/manifest.jsonl --root data/image-editing-request --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/image-editing-request'
task_prompts = dict(image_editing_request='Write the editing request that turns the first image into the second.')

# The base's pipelines resize to 224 px; give new ones here to change it.
_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

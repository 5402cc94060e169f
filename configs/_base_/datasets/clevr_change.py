# clevr-change: make the manifest with
#   onediff data import clevr-change --src <upstream folder> \
#       --out data/clevr-change/manifest.jsonl --root data/clevr-change --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/clevr-change'
task_prompts = dict(clevr_change='Describe what changed between the two scenes.')

# The base's pipelines resize to 224 px; give new ones here to change it.
_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

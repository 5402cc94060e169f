# spot-the-diff: make the manifest with
#   onediff data import spot-the-diff --src <upstream folder> \
#       --out data/spot-the-diff/manifest.jsonl --root data/spot-the-diff --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/spot-the-diff'
task_prompts = dict(spot_the_diff='Describe the differences between the two street scenes.')

# The base's pipelines resize to 224 px; give new ones here to change it.
_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

# clevr-dc: make the manifest with
#   onediff data import clevr-dc --src <upstream folder> \
#       --out data/clevr-dc/manifest.jsonl --root data/clevr-dc --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/clevr-dc'
task_prompts = dict(clevr_dc='Describe what changed between the two scenes, ignoring the viewpoint.')

# The base's pipelines resize to 224 px; give new ones here to change it.
_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

# birds-to-words: make the manifest with
#   onediff data import birds-to-words --src <upstream folder> \
#       --out data/birds-to-words/manifest.jsonl --root data/birds-to-words --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/birds-to-words'
task_prompts = dict(birds_to_words='Describe how the second bird differs from the first.')

# The base's pipelines resize to 224 px; give new ones here to change it.
_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)

# birds-to-words: make the manifest with
#   onediff data import birds-to-words --src <upstream folder> \
#       --out data/birds-to-words/manifest.jsonl --root data/birds-to-words --drop-missing
_base_ = ['./benchmark_manifest.py']

data_root = 'data/birds-to-words'
img_size = 224
task_prompts = dict(birds_to_words='Describe how the second bird differs from the first.')

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

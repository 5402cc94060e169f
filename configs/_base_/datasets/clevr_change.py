# clevr-change: make the manifest with
#   onediff data import clevr-change --src <upstream folder> \
#       --out data/clevr-change/manifest.jsonl --root data/clevr-change
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py']

data_root = 'data/clevr-change'
manifest = data_root + '/manifest.jsonl'
# Distractor pairs differ only in viewpoint or lighting: the prompt asks for
# object changes and lets the model say there are none.
prompt = 'Describe what changed in the objects, if anything.'
task_prompts = dict(clevr_change=prompt)

_dataset = dict(data_root=data_root, task_prompts=task_prompts)
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# DUDA's evaluate.py: total, semantic, non-semantic and per-type scores.
val_evaluator = [dict(type='CaptionMetric', protocol='clevr-change-duda')]
test_evaluator = val_evaluator

# clevr-change: make the manifest with
#   onediff data import clevr-change --src <upstream folder> \
#       --out data/clevr-change/manifest.jsonl --root data/clevr-change
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py', './benchmark_prompts.py']

data_root = 'data/clevr-change'
manifest = data_root + '/manifest.jsonl'
prompt = {{_base_.benchmark_prompts.clevr_change}}

_dataset = dict(data_root=data_root, prompts=dict(clevr_change=prompt))
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# DUDA's evaluate.py: total, semantic, non-semantic and per-type scores.
val_evaluator = [dict(type='CaptionMetric', protocol='clevr-change-duda')]
test_evaluator = val_evaluator

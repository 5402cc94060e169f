# clevr-dc: make the manifest with
#   onediff data import clevr-dc --src <upstream folder> \
#       --out data/clevr-dc/manifest.jsonl --root data/clevr-dc
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py', './benchmark_prompts.py']

data_root = 'data/clevr-dc'
manifest = data_root + '/manifest.jsonl'
# Every pair has one change, under a drastic viewpoint change.
prompt = {{_base_.benchmark_prompts.clevr_dc}}

_dataset = dict(data_root=data_root, prompts=dict(clevr_dc=prompt))
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# DIRL's evaluate_dc.py: coco-caption on the whole test set.
val_evaluator = [dict(type='CaptionMetric', protocol='clevr-dc-dirl')]
test_evaluator = val_evaluator

# spot-the-diff: make the manifest with
#   onediff data import spot-the-diff --src <upstream folder> \
#       --out data/spot-the-diff/manifest.jsonl --root data/spot-the-diff
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py', './benchmark_prompts.py']

data_root = 'data/spot-the-diff'
manifest = data_root + '/manifest.jsonl'
# The importer merges the entries of one img_id (the published protocol).
prompt = {{_base_.benchmark_prompts.spot_the_diff}}

_dataset = dict(data_root=data_root, prompts=dict(spot_the_diff=prompt))
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# Every sentence of an img_id is one reference set (the importer merges them).
val_evaluator = [dict(type='CaptionMetric', protocol='spot-the-diff-merged')]
test_evaluator = val_evaluator

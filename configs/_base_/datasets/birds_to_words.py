# birds-to-words: make the manifest with
#   onediff data import birds-to-words --src <upstream folder> \
#       --out data/birds-to-words/manifest.jsonl --root data/birds-to-words
# (docs/benchmarks.md: where the data lives, what the importer checks).
_base_ = ['./benchmark_manifest.py', './benchmark_prompts.py']

data_root = 'data/birds-to-words'
manifest = data_root + '/manifest.jsonl'
# Descriptions are paragraphs that name the birds "animal 1" and "animal 2".
prompt = {{_base_.benchmark_prompts.birds_to_words}}

_dataset = dict(data_root=data_root, prompts=dict(birds_to_words=prompt))
train_dataloader = dict(dataset=_dataset)
val_dataloader = dict(dataset=_dataset)
test_dataloader = dict(dataset=_dataset)
# IDC-PCL's eval.py: BLEU, METEOR, ROUGE-L, CIDEr-D and CIDEr.
val_evaluator = [dict(type='CaptionMetric', protocol='birds-to-words')]
test_evaluator = val_evaluator

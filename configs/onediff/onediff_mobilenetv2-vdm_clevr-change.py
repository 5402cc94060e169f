# OneDiff at CPU scale fine-tuned on CLEVR-Change alone, scored with its
# peers' protocol. Recipe: configs/_base_/benchmark_finetune.py; data,
# commands and published numbers: docs/benchmarks.md.
_base_ = [
    '../_base_/benchmark_finetune.py',
    '../_base_/datasets/clevr_change.py',
]

# Captions are one short sentence; the vocabulary has under a hundred words.
model = dict(decoder=dict(
    vocab_size=512, max_length=24,
    vocab_file='data/clevr-change/vocab.json'))

# OneDiff at CPU scale fine-tuned on Spot-the-Diff alone, scored with its
# peers' protocol. Recipe: configs/_base_/benchmark_finetune.py; data,
# commands and published numbers: docs/benchmarks.md.
_base_ = [
    '../_base_/benchmark_finetune.py',
    '../_base_/datasets/spot_the_diff.py',
]

# Reference sentences: median 10, 99th percentile 26 tokens (measured on the
# real train split); 2,054 words in train, 0.5 % of test tokens unseen.
model = dict(decoder=dict(
    vocab_size=2304, max_length=32,
    vocab_file='data/spot-the-diff/vocab.json'))

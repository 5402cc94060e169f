# OneDiff at CPU scale fine-tuned on Birds-to-Words alone, scored with its
# peers' protocol. Recipe: configs/_base_/benchmark_finetune.py; data,
# commands and published numbers: docs/benchmarks.md.
_base_ = [
    '../_base_/benchmark_finetune.py',
    '../_base_/datasets/birds_to_words.py',
]

# Paragraphs of several sentences (26-55 words in the dataset README's four
# samples): long captions, a larger vocabulary, words seen once -> [UNK]
# (the vocabulary file is imported with --vocab-min-freq 2).
model = dict(decoder=dict(
    vocab_size=4096, max_length=96, max_positions=176,
    vocab_file='data/birds-to-words/vocab.json'))

# The protocol reports CIDEr-D and the original CIDEr; select on CIDEr-D.
default_hooks = dict(checkpoint=dict(save_best='caption/CIDEr-D'))

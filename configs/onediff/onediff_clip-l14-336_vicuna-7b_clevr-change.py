# The paper-scale recipe (onediff_clip-l14-336_vicuna-7b_diffcap.py: CLIP
# ViT-L/14-336, VDM from BERT-base, Vicuna-7B with LoRA, Coupled Sample
# Training then multi-task tuning on the difference mixture), with the
# checkpoint selected on CLEVR-Change's val split and its test split scored
# with the peers' protocol (docs/benchmarks.md). The CLEVR-Change prompt is
# the same in training and evaluation.
_base_ = [
    './onediff_clip-l14-336_vicuna-7b_diffcap.py',
    '../_base_/datasets/benchmark_prompts.py',
]

prompt = {{_base_.benchmark_prompts.clevr_change}}
# Merged into the base's prompts (its other tasks keep theirs).
_prompts = dict(prompts=dict(clevr_change=prompt))
train_dataloader = dict(dataset=_prompts)
_eval = dict(dataset=dict(data_root='data/clevr-change', **_prompts))
val_dataloader = _eval
test_dataloader = _eval
val_evaluator = [dict(type='CaptionMetric', protocol='clevr-change-duda')]
test_evaluator = val_evaluator

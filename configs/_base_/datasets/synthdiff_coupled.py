# Stage 1 alone, Coupled Sample Training: two single-image scene captions
# (scenes.jsonl of the synthetic data) coupled into one pseudo pair.
_base_ = ['./synthdiff.py']

train_dataloader = {{_base_.coupled_train_dataloader}}

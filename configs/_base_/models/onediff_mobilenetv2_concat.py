# Baseline: concatenated features, no explicit difference.
_base_ = ['./onediff_mobilenetv2_vdm.py']
model = dict(
    delta=dict(_delete_=True, type='ConcatDelta', level=-1, embed_dims=256,
               grid=2))

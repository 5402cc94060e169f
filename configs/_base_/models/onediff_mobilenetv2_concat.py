# Baseline: concatenated features, no explicit difference.
_base_ = ['./onediff_mobilenetv2_vdm.py', './delta_variants.py']
model = dict(delta={{_base_.concat_delta}})

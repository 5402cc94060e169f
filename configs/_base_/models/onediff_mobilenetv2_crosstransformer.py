# Baseline: MCCFormers-D-style cross transformer between the two images.
_base_ = ['./onediff_mobilenetv2_vdm.py', './delta_variants.py']
model = dict(delta={{_base_.crosstransformer_delta}})

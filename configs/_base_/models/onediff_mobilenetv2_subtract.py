# Baseline: DUDA-style subtraction delta in place of the VDM.
_base_ = ['./onediff_mobilenetv2_vdm.py', './delta_variants.py']
model = dict(delta={{_base_.subtract_delta}})

# Ablation: no delta module; the decoder sees only the image tokens.
_base_ = ['./onediff_mobilenetv2_vdm.py', './delta_variants.py']
model = dict(delta={{_base_.no_delta}})

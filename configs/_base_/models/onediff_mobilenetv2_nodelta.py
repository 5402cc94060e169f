# Ablation: no delta module; the decoder sees only the image tokens.
_base_ = ['./onediff_mobilenetv2_vdm.py']
model = dict(delta=dict(_delete_=True, type='NoDelta'))

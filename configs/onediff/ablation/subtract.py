# SubtractDelta
_base_ = [
    '../onediff_mobilenetv2-vdm_900it_synthdiff.py',
    '../../_base_/models/delta_variants.py',
]
model = dict(delta={{_base_.subtract_delta}}, delta_head=None)

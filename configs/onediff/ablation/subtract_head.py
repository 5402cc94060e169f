# SubtractDelta + ChangeAttributeHead (the 900-iteration recipe with the
# baseline delta module)
_base_ = [
    '../onediff_mobilenetv2-vdm_900it_synthdiff.py',
    '../../_base_/models/delta_variants.py',
]
model = dict(delta={{_base_.subtract_delta}})

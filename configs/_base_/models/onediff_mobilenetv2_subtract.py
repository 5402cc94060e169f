# Baseline: DUDA-style subtraction delta in place of the VDM.
_base_ = ['./onediff_mobilenetv2_vdm.py']
model = dict(
    delta=dict(_delete_=True, type='SubtractDelta', level=-1,
               embed_dims=256))

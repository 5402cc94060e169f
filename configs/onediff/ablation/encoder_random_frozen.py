# randomly initialised encoder, frozen
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(encoder=dict(pretrained=None), delta_head=None)

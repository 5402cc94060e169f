# ImageNet encoder, trained
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(encoder=dict(frozen_stages=-1), delta_head=None)

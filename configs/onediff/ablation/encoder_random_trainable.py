# randomly initialised encoder, trained
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(encoder=dict(pretrained=None, frozen_stages=-1),
             delta_head=None)

# VDM with separate before, after and B-A tokens, no change prior
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta=dict(fuse_images=False, change_prior=None),
             delta_head=None)

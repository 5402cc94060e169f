# VDM with separate before, after and B-A tokens (not fused), change prior
# starting at 1
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta=dict(fuse_images=False, change_prior=1.0),
             delta_head=None)

# VDM as in the paper: separate tokens of the two images only (no B-A
# tokens, no change prior)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(
    delta=dict(fuse_images=False, with_difference=False, change_prior=None),
    delta_head=None)

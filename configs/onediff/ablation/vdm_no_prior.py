# VDM without the change prior on its attention
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta=dict(change_prior=None), delta_head=None)

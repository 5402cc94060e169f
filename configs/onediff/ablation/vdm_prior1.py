# VDM with the change prior starting at 1 (default 3)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta=dict(change_prior=1.0), delta_head=None)

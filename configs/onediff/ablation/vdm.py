# the 900-iteration recipe without the head: VisualDeltaModule alone
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta_head=None)

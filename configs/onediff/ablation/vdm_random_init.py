# VDM randomly initialised (no MiniLM)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
model = dict(delta=dict(bert_init=None), delta_head=None)

# the 900-iteration recipe that the other rows change (VisualDeltaModule
# with MiniLM init, fused A/B/B-A memory tokens and the change prior +
# ChangeAttributeHead, CST stage 1, ImageNet encoder frozen)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']

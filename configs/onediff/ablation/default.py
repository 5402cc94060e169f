# the default config: VisualDeltaModule (MiniLM init, fused A/B/B-A memory
# tokens, change prior) + ChangeAttributeHead on the delta tokens, CST stage
# 1, ImageNet encoder frozen
_base_ = ['../onediff_mobilenetv2-vdm_synthdiff.py']

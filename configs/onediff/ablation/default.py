# the default config as `make demo` trains it: the 900-iteration recipe with
# the feature cache, no dropout, fused AdamW, 1,050 stage-2 iterations and
# bfloat16 autocast (--amp)
_base_ = ['../onediff_mobilenetv2-vdm_synthdiff.py']
optim_wrapper = dict(type='CPUAutocastOptimWrapper')

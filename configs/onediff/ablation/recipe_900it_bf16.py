# the 900-iteration recipe trained with bfloat16 autocast (what --amp does
# on a CPU)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
optim_wrapper = dict(type='CPUAutocastOptimWrapper')

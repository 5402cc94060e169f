# VDM without stage-1 Coupled Sample Training (stage 1 trains on difference
# pairs)
_base_ = ['../onediff_mobilenetv2-vdm_900it_synthdiff.py']
# Equal budget: stage 1 keeps its iterations and trainable parts but reads
# the main train dataloader (dataloader=None), so the whole run trains on
# difference captions with the same LR schedule.
train_cfg = dict(stages=[
    dict(name='difference_warmup', iters={{_base_.stage1_iters}},
         dataloader=None, trainable={{_base_.stage1_trainable}}),
    dict(name='difference', iters={{_base_.stage2_iters}},
         trainable={{_base_.stage2_trainable}}),
])
model = dict(delta_head=None)

# Stage 1 of the paper recipe alone (Coupled Sample Training), for
# data-parallel training on several GPUs: a DDP-wrapped model cannot change
# its trainable parts between stages, so each stage is its own run, as in
# LLaVA's pretrain/finetune scripts (docs/paper_recipe.md). Every knob is in
# the two-stage config this file reads.
_base_ = ['./onediff_clip-l14-336_vicuna-7b_diffcap.py']

model = dict(trainable={{_base_.stage1_trainable}})
train_cfg = dict(
    _delete_=True,
    type='MultiStageTrainLoop',
    stages=[
        dict(name='coupled', iters={{_base_.stage1_iters}},
             dataloader={{_base_.stage1_dataloader}}),
    ],
    # Difference captions are not trained yet: never validate.
    val_begin=2**31,
    val_interval=2**31)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end={{_base_.warmup_iters}}),
]
default_hooks = dict(checkpoint=dict(save_best=None))

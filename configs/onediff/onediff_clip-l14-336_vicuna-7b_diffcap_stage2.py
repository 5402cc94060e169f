# Stage 2 of the paper recipe alone (multi-task tuning, LoRA), starting from
# a stage-1 checkpoint: --cfg-options load_from=work_dirs/STAGE1/iter_N.pth.
# See onediff_clip-l14-336_vicuna-7b_diffcap_stage1.py for why the stages
# are separate runs on several GPUs.
_base_ = ['./onediff_clip-l14-336_vicuna-7b_diffcap.py']

stage2_warmup_iters = 80  # 3 % of stage 2; param_scheduler.0.end
model = dict(trainable={{_base_.stage2_trainable}})
train_cfg = dict(
    _delete_=True,
    type='MultiStageTrainLoop',
    stages=[dict(name='difference', iters={{_base_.stage2_iters}})],
    val_begin=1,
    val_interval=500)
optim_wrapper = dict(optimizer=dict(lr={{_base_.stage2_lr}}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=stage2_warmup_iters),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=stage2_warmup_iters,
         end={{_base_.stage2_iters}}, eta_min=0.0),
]

# The paper's recipe (OneDiff, arXiv 2407.05645) at full scale, for GPUs:
# CLIP ViT-L/14-336 tapped at layers 8/16/24 of both images -> a 6-layer
# Visual Delta Module initialised from BERT-base -> 2-layer MLP projector ->
# Vicuna-7B, trained in two stages in one run (MultiStageTrainLoop):
#   1. Coupled Sample Training: pseudo pairs of two single-image captions
#      (e.g. LLaVA-558K converted to a single-image manifest); CLIP and the
#      LM frozen, only the delta module and the projector train;
#   2. multi-task tuning on a mixture of difference data sets, each with its
#      task prompt and sampling ratio; the LM trains through LoRA.
# bf16 autocast, gradient checkpointing in the LM, the best checkpoint
# chosen on validation CIDEr (the test split is only read by tools/test.py).
# docs/paper_recipe.md: where the weights go, the 8-GPU commands, memory.
#
# Nothing downloads: the three paths are local directories. The values below
# are read once, when the file is parsed; on the command line override the
# keys that use them (named in the comments), e.g.
#   --cfg-options model.decoder.lora.r=64 train_cfg.stages.1.iters=3000
# Full fine-tuning of the LM instead of LoRA: model.decoder.lora=None.
_base_ = [
    '../_base_/models/onediff_clip_vicuna.py',
    '../_base_/schedules/adamw_iter.py',
    '../_base_/default_runtime.py',
]

# Local weight directories (Hugging Face names in docs/paper_recipe.md).
# model.encoder.model_path
clip_path = 'checkpoints/clip-vit-large-patch14-336'
bert_path = 'checkpoints/bert-base-uncased'  # model.delta.bert_init
lm_path = 'checkpoints/vicuna-7b-v1.5'  # model.decoder.model_path

# Model knobs.
clip_layers = (8, 16, 24)  # model.encoder.layers
num_delta_tokens = 32  # model.delta.num_tokens (not published)
vdm_layers = 6  # model.delta.num_layers (BERT layers spread over them)
lora_r = 128  # model.decoder.lora.r (M3Diff's values)
lora_alpha = 256  # model.decoder.lora.alpha
lora_dropout = 0.05  # model.decoder.lora.dropout
lora_targets = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj',
                'up_proj', 'down_proj']  # model.decoder.lora.target_modules
lora = dict(r=lora_r, alpha=lora_alpha, dropout=lora_dropout,
            target_modules=lora_targets)  # model.decoder.lora (None = full)
prompt_template = ('A chat between a curious user and an artificial '
                   'intelligence assistant. USER: {prompt} ASSISTANT:')
max_caption_tokens = 64  # model.decoder.max_length

# Schedule knobs: LLaVA's batch sizes and learning rates (8 GPUs).
stage1_iters = 2180  # train_cfg.stages.0.iters (558K pairs / 256)
stage2_iters = 2600  # train_cfg.stages.1.iters (~335K pairs / 128)
stage1_trainable = ('delta', 'projector')  # train_cfg.stages.0.trainable
# 'decoder' trains the LoRA adapter only, or the whole LM with lora=None.
stage2_trainable = ('delta', 'projector', 'decoder')
stage1_batch_size = 32  # per GPU; x8 GPUs = 256
stage2_batch_size = 16  # per GPU; x8 GPUs = 128
stage1_lr = 1e-3  # optim_wrapper.optimizer.lr
stage2_lr = 2e-4  # LoRA; about 2e-5 for full fine-tuning
warmup_iters = 65  # 3 % of stage 1; param_scheduler.0.end
num_workers = 4

# Data. Stage 1: a single-image caption manifest (docs/data_format.md),
# e.g. LLaVA-558K converted (docs/paper_recipe.md). The embedded synthetic
# scenes instead: train_cfg.stages.0.dataloader.dataset.data_root=
# data/synthdiff and ...ann_file=scenes.jsonl.
img_size = 336
stage1_data_root = 'data/llava-558k'
stage1_ann_file = 'single_images.jsonl'
coupled_template = ('the first image shows {a} and the second image shows '
                    '{b}')
# Stage 2: one manifest per source (`onediff data import`; the records'
# `task` picks the prompt) and its share of the mixed stream
# (train_dataloader.dataset.ratios, train_dataloader.dataset.datasets.N.*).
task_prompts = dict(
    spot_the_diff='Describe the differences between the two photos.',
    image_editing_request='Describe the edit made to the first image.',
    clevr_change='Describe what changed between the two scenes.',
    birds_to_words='Describe how the two birds differ.',
    clevr_dc='Describe what changed, although the camera moved.',
    synth_diff='Describe what changed between the two scenes.',
    real_edit='Describe the edit made to the photo.',
    coupled='Describe the two images.',
)
stage2_sources = [
    dict(data_root='data/spot-the-diff',
         ann_file='manifest.jsonl', ratio=0.2),
    dict(data_root='data/image-editing-request',
         ann_file='manifest.jsonl', ratio=0.2),
    dict(data_root='data/clevr-change',
         ann_file='manifest.jsonl', ratio=0.25),
    dict(data_root='data/birds-to-words',
         ann_file='manifest.jsonl', ratio=0.15),
    dict(data_root='data/clevr-dc',
         ann_file='manifest.jsonl', ratio=0.2),
]
# Validation (checkpoint selection) and test: one benchmark's manifest.
eval_data_root = 'data/spot-the-diff'
eval_ann_file = 'manifest.jsonl'

model = dict(
    data_preprocessor=dict(type='DiffDataPreprocessor',
                           mean=[122.770938, 116.7460125, 104.09373615],
                           std=[68.5005327, 66.6321579, 70.32316305]),
    encoder=dict(type='HFVisionEncoder', model_path=clip_path,
                 layers=clip_layers, frozen=True, probe_size=img_size,
                 gradient_checkpointing=False),
    delta=dict(type='VisualDeltaModule', num_tokens=num_delta_tokens,
               num_layers=vdm_layers, embed_dims=768, num_heads=12,
               ffn_dims=3072, level_pool=None, dropout=0.1,
               bert_init=bert_path),
    projector=dict(type='MLPProjector', num_layers=2),
    decoder=dict(type='HFCausalLMDecoder', model_path=lm_path,
                 prompt_template=prompt_template,
                 max_length=max_caption_tokens, num_beams=1,
                 torch_dtype='bfloat16', lora=lora,
                 gradient_checkpointing=True),
    # LLaVA's image tokens: every patch of the last tapped layer of both
    # images (2 x 576 at 336 px), then the delta tokens.
    image_tokens=dict(level=-1, pool=None),
    trainable=stage1_trainable,
)

train_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=img_size),
    dict(type='PackDiffInputs'),
]
test_pipeline = train_pipeline


def _loader(batch_size, dataset, sampler=dict(type='DefaultSampler',
                                              shuffle=True)):
    return dict(batch_size=batch_size, num_workers=num_workers,
                persistent_workers=True, sampler=sampler,
                collate_fn=dict(type='pseudo_collate'), dataset=dataset)


stage1_dataloader = _loader(stage1_batch_size, dict(
    type='CoupledSampleDataset', data_root=stage1_data_root,
    ann_file=stage1_ann_file, split='train', template=coupled_template,
    num_pairs=None, seed=0, task='coupled', prompts=task_prompts,
    pipeline=train_pipeline))
train_dataloader = _loader(
    stage2_batch_size,
    dict(type='MultiTaskDataset',
         datasets=[
             dict(type='DiffCaptionDataset', data_root=s['data_root'],
                  ann_file=s['ann_file'], split='train',
                  pipeline=train_pipeline) for s in stage2_sources
         ],
         ratios=[s['ratio'] for s in stage2_sources],
         prompts=task_prompts),
    sampler=dict(type='MixedTaskSampler', infinite=False))


def _eval_loader(split):
    return _loader(
        stage2_batch_size,
        dict(type='DiffCaptionDataset', data_root=eval_data_root,
             ann_file=eval_ann_file, split=split, prompts=task_prompts,
             caption_pick='first', test_mode=True, pipeline=test_pipeline),
        sampler=dict(type='DefaultSampler', shuffle=False))


val_dataloader = _eval_loader('val')
test_dataloader = _eval_loader('test')
# A list: mmengine reads a dict with a `metrics` key (a CaptionMetric
# argument) as an Evaluator config.
val_evaluator = [dict(type='CaptionMetric')]
test_evaluator = val_evaluator

max_iters = stage1_iters + stage2_iters
train_cfg = dict(
    _delete_=True,
    type='MultiStageTrainLoop',
    stages=[
        dict(name='coupled', iters=stage1_iters,
             dataloader=stage1_dataloader, trainable=stage1_trainable),
        dict(name='difference', iters=stage2_iters,
             trainable=stage2_trainable),
    ],
    # Difference captions are only meaningful after stage 1.
    val_begin=stage1_iters + 1,
    val_interval=500)

# bf16 autocast (tools/train.py swaps in CPUAutocastOptimWrapper on CPUs).
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=stage1_lr, betas=(0.9, 0.999),
                   weight_decay=0.0),
    clip_grad=dict(max_norm=1.0))
# Warm-up and a constant rate in stage 1; stage 2 drops to stage2_lr and
# decays on a cosine.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='MultiStepLR', by_epoch=False, milestones=[stage1_iters],
         gamma=stage2_lr / stage1_lr),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=stage1_iters,
         end=max_iters, eta_min=0.0),
]

default_hooks = dict(
    checkpoint=dict(interval=500, max_keep_ckpts=2,
                    save_best='caption/CIDEr', rule='greater'),
    logger=dict(interval=10))
env_cfg = dict(dist_cfg=dict(backend='nccl'))

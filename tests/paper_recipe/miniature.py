"""The paper recipe in miniature: the same config, tiny local models.

:func:`build_tiny_weights` saves random-weight models of the paper's
architectures (a two-tower CLIP with a 24-layer vision tower, a 12-layer
BERT, a Llama causal LM with a word-level tokenizer) into local
directories, and :func:`miniature_cfg_options` gives the ``--cfg-options``
that point ``configs/onediff/onediff_clip-l14-336_vicuna-7b_diffcap.py`` at
them and at a synthetic data set. Nothing else changes: no test-only code
path. The FSDP tests import these too.
"""
import json
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
PAPER_CONFIG = (REPO_ROOT / 'configs' / 'onediff' /
                'onediff_clip-l14-336_vicuna-7b_diffcap.py')
SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[BOS]', '[EOS]']
WIDTH = 32  # the VDM's width must equal the tiny BERT's


def make_synth_data(root, num=40, seed=6, size=64):
    """A small synthetic set (pairs + single-image scenes) in ``root``; with
    these defaults 24 train, 6 val and 10 test pairs."""
    from onediff_kit.registry import GENERATORS
    gen = GENERATORS.build(dict(type='SynthDiffGenerator', size=size,
                                workers=1, split_ratios=(0.6, 0.2, 0.2)))
    gen.generate(root, num, seed=seed, progress=False)
    return Path(root)


def _texts(data_root):
    """Every caption of the synthetic manifests, the prompts and the chat
    template: the tiny tokenizer's training text."""
    from mmengine.config import Config
    cfg = Config.fromfile(PAPER_CONFIG)
    texts = list(cfg.task_prompts.values()) + [
        cfg.prompt_template, cfg.coupled_template]
    for name in ('manifest.jsonl', 'scenes.jsonl'):
        with open(Path(data_root) / name, encoding='utf-8') as f:
            for line in f:
                if line.strip():
                    texts += json.loads(line)['captions']
    return texts


def word_tokenizer(texts):
    """A word-level ``PreTrainedTokenizerFast`` trained on ``texts``."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel
    from tokenizers.trainers import WordLevelTrainer
    from transformers import PreTrainedTokenizerFast
    tok = Tokenizer(WordLevel(unk_token='[UNK]'))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(texts,
                            WordLevelTrainer(special_tokens=SPECIAL_TOKENS))
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token='[PAD]',
                                   unk_token='[UNK]', bos_token='[BOS]',
                                   eos_token='[EOS]')


def build_tiny_weights(out_dir, data_root, seed=0):
    """Save tiny CLIP, BERT and Llama models into ``out_dir``.

    Same architectures as the paper's (CLIPModel at 336 px with 24 vision
    layers, so layers 8/16/24 exist; BertModel with 12 layers; a Llama
    causal LM), widths of 32. The CLIP patch is 56 px (a 6x6 grid) to keep
    the token count small.

    Returns:
        dict: ``clip``, ``bert`` and ``lm`` directories.
    """
    from transformers import (BertConfig, BertModel, CLIPConfig, CLIPModel,
                              LlamaConfig, LlamaForCausalLM)
    out_dir = Path(out_dir)
    paths = {k: out_dir / k for k in ('clip', 'bert', 'lm')}
    torch.manual_seed(seed)
    clip = CLIPConfig(
        text_config=dict(hidden_size=WIDTH, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=2,
                         vocab_size=64, max_position_embeddings=16),
        vision_config=dict(hidden_size=WIDTH, intermediate_size=64,
                           num_hidden_layers=24, num_attention_heads=2,
                           image_size=336, patch_size=56),
        projection_dim=WIDTH)
    CLIPModel(clip).save_pretrained(paths['clip'])
    BertModel(BertConfig(hidden_size=WIDTH, num_hidden_layers=12,
                         num_attention_heads=2, intermediate_size=64,
                         vocab_size=64, max_position_embeddings=32)
              ).save_pretrained(paths['bert'])
    tokenizer = word_tokenizer(_texts(data_root))
    ids = {f'{name}_token_id': tokenizer.convert_tokens_to_ids(tok)
           for name, tok in (('pad', '[PAD]'), ('bos', '[BOS]'),
                             ('eos', '[EOS]'))}
    LlamaForCausalLM(LlamaConfig(
        hidden_size=WIDTH, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4,
        vocab_size=len(tokenizer), max_position_embeddings=256,
        # Wider than HF's 0.02: at width 32 the frozen head of a 0.02 init
        # can barely leave the uniform distribution, so no loss could fall.
        initializer_range=0.2, **ids)).save_pretrained(paths['lm'])
    tokenizer.save_pretrained(paths['lm'])
    return {k: str(v) for k, v in paths.items()}


def miniature_cfg_options(paths, data_root, stage1_iters=2, stage2_iters=2,
                          batch_size=2, java_metrics=False):
    """``--cfg-options`` of the miniature twin, as a dict.

    Args:
        paths (dict): from :func:`build_tiny_weights`.
        data_root (str): a synthetic data set (:func:`make_synth_data`).
        stage1_iters (int): Coupled Sample Training iterations.
        stage2_iters (int): multi-task iterations.
        batch_size (int): per dataloader.
        java_metrics (bool): keep METEOR and the PTB tokenizer (Java,
            seconds per evaluation); off: BLEU, ROUGE-L and CIDEr on
            simply tokenised text.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(PAPER_CONFIG)
    data_root = str(data_root)
    total = stage1_iters + stage2_iters
    opts = {
        'clip_path': paths['clip'], 'bert_path': paths['bert'],
        'lm_path': paths['lm'],
        'model.encoder.model_path': paths['clip'],
        'model.delta.bert_init': paths['bert'],
        'model.delta.embed_dims': WIDTH,
        'model.delta.num_heads': 2,
        'model.delta.ffn_dims': 64,
        'model.decoder.model_path': paths['lm'],
        'model.decoder.torch_dtype': None,
        'model.decoder.max_length': 8,
        'model.decoder.lora.r': 4,
        'model.decoder.lora.alpha': 8,
        # mmengine's AmpOptimWrapper refuses CPUs: bf16 autocast on CPU.
        'optim_wrapper.type': 'CPUAutocastOptimWrapper',
        'train_cfg.stages.0.iters': stage1_iters,
        'train_cfg.stages.1.iters': stage2_iters,
        'train_cfg.val_begin': stage1_iters + 1,
        'train_cfg.val_interval': total,
        'param_scheduler.0.end': 2,
        'param_scheduler.1.milestones': [stage1_iters],
        'param_scheduler.2.begin': stage1_iters,
        'param_scheduler.2.end': total,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        'default_hooks.logger.interval': 1,
        'train_cfg.stages.0.dataloader.dataset.data_root': data_root,
        'train_cfg.stages.0.dataloader.dataset.ann_file': 'scenes.jsonl',
    }
    loaders = ['train_cfg.stages.0.dataloader', 'train_dataloader',
               'val_dataloader', 'test_dataloader']
    for key in loaders:
        opts.update({f'{key}.batch_size': batch_size,
                     f'{key}.num_workers': 0,
                     f'{key}.persistent_workers': False})
    for split in ('val', 'test'):
        opts.update({f'{split}_dataloader.dataset.data_root': data_root,
                     f'{split}_dataloader.dataset.ann_file':
                     'manifest.jsonl'})
    if not java_metrics:
        for key in ('val_evaluator', 'test_evaluator'):
            opts.update({f'{key}.0.metrics': ['BLEU', 'ROUGE-L', 'CIDEr'],
                         f'{key}.0.tokenizer': 'simple'})
    # The first captions, not random ones: after a mid-stage --resume the
    # first batch is fetched before RandomStateHook restores the generators
    # (see its docstring), so only draw-free data resumes exactly.
    opts['train_cfg.stages.0.dataloader.dataset.caption_pick'] = 'first'
    for i in range(len(cfg.train_dataloader.dataset.datasets)):
        key = f'train_dataloader.dataset.datasets.{i}'
        opts.update({f'{key}.data_root': data_root,
                     f'{key}.ann_file': 'manifest.jsonl',
                     f'{key}.caption_pick': 'first'})
    return opts


def as_cli(options):
    """``key=value`` strings for ``--cfg-options``."""
    def text(value):
        if isinstance(value, (list, tuple)):
            return '[' + ','.join(text(v) for v in value) + ']'
        return str(value)
    return [f'{k}={text(v)}' for k, v in options.items()]

"""Fixtures of the model tests: manifests, tiny Hugging Face models."""
import json

import pytest
import torch

from model_helpers import (CAPTIONS, PROMPT, make_samples,
                           word_tokenizer_fast)


@pytest.fixture
def samples():
    return make_samples()


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / 'train.jsonl'
    with open(path, 'w') as f:
        for i, c in enumerate(CAPTIONS):
            f.write(json.dumps(dict(pair_id=str(i), captions=[c],
                                    prompt=PROMPT)) + '\n')
    return str(path)


@pytest.fixture
def vocab_file(manifest, tmp_path):
    """The vocabulary file of ``manifest`` (``onediff data vocab``)."""
    from onediff_kit.data.vocab import write_vocab
    path = tmp_path / 'vocab.json'
    write_vocab(path, [manifest])
    return str(path)


def _save_tiny_lm(kind, path):
    """A tiny random causal LM (``gpt2`` or ``llama``) + word tokenizer."""
    from transformers import (AutoModelForCausalLM, GPT2Config,
                              LlamaConfig)
    tokenizer = word_tokenizer_fast(CAPTIONS + [PROMPT, 'user assistant'])
    ids = dict(vocab_size=len(tokenizer), bos_token_id=2, eos_token_id=3,
               pad_token_id=0)
    if kind == 'gpt2':
        config = GPT2Config(n_embd=32, n_layer=2, n_head=2, n_positions=128,
                            **ids)
    else:
        config = LlamaConfig(hidden_size=32, intermediate_size=64,
                             num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=2,
                             max_position_embeddings=128, **ids)
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope='session', params=['gpt2', 'llama'])
def tiny_lm_dir(request, tmp_path_factory):
    """A tiny random causal LM + word tokenizer saved to a temp dir."""
    return _save_tiny_lm(request.param,
                         tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope='session')
def tiny_llama_dir(tmp_path_factory):
    """The llama of :func:`tiny_lm_dir` alone (no parametrisation)."""
    return _save_tiny_lm('llama', tmp_path_factory.mktemp('llama_only'))


@pytest.fixture(scope='session')
def tiny_clip_dir(tmp_path_factory):
    from transformers import CLIPVisionConfig, CLIPVisionModel
    path = tmp_path_factory.mktemp('clip')
    config = CLIPVisionConfig(hidden_size=32, intermediate_size=64,
                              num_hidden_layers=3, num_attention_heads=2,
                              image_size=32, patch_size=8)
    CLIPVisionModel(config).save_pretrained(path)
    return str(path)

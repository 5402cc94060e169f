"""Helpers of the model tests: tiny configs, samples and pairs."""
import atexit
import shutil
import tempfile
from pathlib import Path

import torch

from onediff_kit import testing
from onediff_kit.data.vocab import write_vocab

# The conformance kit's two captions (and prompt) first, so that a tiny
# vocabulary file of these covers what the kit's checks feed a decoder.
CAPTIONS = testing.CAPTIONS + [
    'nothing has changed .',
    'the green cylinder turned red .',
    'the small metal ball is gone .',
    'the large rubber cube changed to yellow .',
]
PROMPT = testing.PROMPT


def make_samples(captions=CAPTIONS, prompt=PROMPT):
    return testing.make_samples(captions, prompt)


def make_pairs(n, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, (2, 3, size, size), generator=g,
                          dtype=torch.uint8) for _ in range(n)]

_VOCAB_DIR = []


def tiny_vocab_file():
    """A vocabulary file of CAPTIONS and PROMPT, made once per process (as
    ``onediff data vocab`` makes one)."""
    if not _VOCAB_DIR:
        _VOCAB_DIR.append(Path(tempfile.mkdtemp(prefix='onediff_vocab_')))
        atexit.register(shutil.rmtree, _VOCAB_DIR[0], True)
    path = _VOCAB_DIR[0] / 'vocab.json'
    if not path.is_file():
        write_vocab(path, texts=CAPTIONS + [PROMPT])
    return str(path)


def forbid_jsonl_reads(monkeypatch):
    """Make opening any ``.jsonl`` file (a manifest) fail."""
    import builtins
    import io

    def guard(real):
        def guarded(file, *args, **kwargs):
            if str(file).endswith('.jsonl'):
                raise AssertionError(f'a manifest was read: {file}')
            return real(file, *args, **kwargs)
        return guarded

    monkeypatch.setattr(builtins, 'open', guard(builtins.open))
    monkeypatch.setattr(io, 'open', guard(io.open))


def tiny_encoder():
    return dict(type='MMPretrainEncoder',
                backbone=dict(type='mmpretrain.MobileNetV2',
                              widen_factor=0.25, out_indices=(2, 4, 6)),
                probe_size=64)

def tiny_decoder(**kwargs):
    cfg = dict(type='TransformerCaptionDecoder', vocab_size=64,
               embed_dims=32, num_layers=2, num_heads=4, ffn_dims=64,
               dropout=0.0, max_length=10)
    cfg.update(kwargs)
    return cfg

def tiny_model(**kwargs):
    cfg = dict(
        type='OneDiff',
        encoder=tiny_encoder(),
        delta=dict(type='VisualDeltaModule', num_tokens=4, num_layers=2,
                   embed_dims=32, num_heads=4, ffn_dims=64, dropout=0.0,
                   bert_init=None),
        projector=dict(type='MLPProjector'),
        decoder=tiny_decoder(vocab_file=tiny_vocab_file()),
        image_tokens=dict(level=-1, pool=2))
    cfg.update(kwargs)
    return cfg


def word_tokenizer_fast(texts):
    """A word-level Hugging Face tokenizer of ``texts`` (tiny causal LMs)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel
    from tokenizers.trainers import WordLevelTrainer
    from transformers import PreTrainedTokenizerFast
    specials = ['[PAD]', '[UNK]', '[BOS]', '[EOS]']
    tok = Tokenizer(WordLevel(unk_token='[UNK]'))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(texts, WordLevelTrainer(special_tokens=specials))
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token='[PAD]',
                                   unk_token='[UNK]', bos_token='[BOS]',
                                   eos_token='[EOS]')

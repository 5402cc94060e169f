"""Word-level tokenizer built from the training captions.

Wraps a :class:`tokenizers.Tokenizer` (WordLevel model, lower-casing,
whitespace/punctuation split). It serialises to one JSON string, which the
caption decoder keeps in its checkpoint, so a checkpoint alone can caption.
"""
import os.path as osp
import re

from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from tokenizers.trainers import WordLevelTrainer

from onediff_kit.data.jsonl import JsonlError, iter_jsonl

PAD, UNK, BOS, EOS = '[PAD]', '[UNK]', '[BOS]', '[EOS]'
SPECIALS = [PAD, UNK, BOS, EOS]


def read_manifest_texts(paths, keys=('captions', 'gt_caption', 'prompt'),
                        splits=('train', )):
    """Texts of JSONL manifests (one JSON object per line).

    Tolerant: blank lines are skipped; ``captions`` may be a list or a
    string. Missing files raise FileNotFoundError naming the file.

    Args:
        paths (sequence[str]): manifest files.
        keys (sequence[str]): fields to collect.
        splits (sequence[str], optional): only records whose ``split`` is
            one of these (records without ``split`` always count); None
            takes every record.
    """
    texts = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'vocabulary manifest {path} not found')
        for n, record in iter_jsonl(path, what='vocabulary manifest'):
            if not isinstance(record, dict):
                raise JsonlError(path, n, 'expected a JSON object')
            if (splits is not None and 'split' in record and
                    record['split'] not in splits):
                continue
            for key in keys:
                value = record.get(key)
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, (list, tuple)):
                    texts.extend(v for v in value if isinstance(v, str))
    return texts


class WordTokenizer:
    """Lower-cased word-level tokenizer with [PAD]/[UNK]/[BOS]/[EOS].

    Args:
        tokenizer (tokenizers.Tokenizer): a WordLevel tokenizer whose first
            four ids are the special tokens.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        for i, tok in enumerate(SPECIALS):
            if tokenizer.token_to_id(tok) != i:
                raise ValueError(f'tokenizer must have {tok} at id {i}')
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = range(4)

    @staticmethod
    def _new(vocab):
        tok = Tokenizer(WordLevel(vocab, unk_token=UNK))
        tok.normalizer = normalizers.Sequence(
            [normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        return tok

    @classmethod
    def train(cls, texts, vocab_size=1000, min_freq=1):
        """Build the vocabulary from ``texts``.

        Args:
            texts (iterable[str]): training captions (and prompts).
            vocab_size (int): most tokens, special tokens included.
            min_freq (int): words seen fewer times become [UNK].
        """
        tok = cls._new({t: i for i, t in enumerate(SPECIALS)})
        trainer = WordLevelTrainer(vocab_size=vocab_size,
                                   min_frequency=min_freq,
                                   special_tokens=SPECIALS,
                                   show_progress=False)
        tok.train_from_iterator(list(texts), trainer=trainer)
        return cls(tok)

    @classmethod
    def empty(cls):
        """Special tokens only (a placeholder until a checkpoint loads)."""
        return cls(cls._new({t: i for i, t in enumerate(SPECIALS)}))

    @classmethod
    def from_json(cls, text):
        return cls(Tokenizer.from_str(text))

    def to_json(self):
        return self.tokenizer.to_str()

    def __len__(self):
        return self.tokenizer.get_vocab_size()

    def encode(self, text):
        """Ids of ``text`` (no BOS/EOS)."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids):
        """Text of ``ids`` up to the first EOS, special tokens dropped."""
        words = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id):
                continue
            words.append(self.tokenizer.id_to_token(i))
        text = ' '.join(words)
        return re.sub(r'\s+([.,;:!?])', r'\1', text)

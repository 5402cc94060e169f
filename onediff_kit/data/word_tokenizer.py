"""Word-level tokenizer: the vocabulary file's format.

Wraps a :class:`tokenizers.Tokenizer` (WordLevel model, lower-casing,
whitespace/punctuation split). It serialises to one JSON string: the
vocabulary file that ``onediff data vocab`` writes
(:mod:`onediff_kit.data.vocab`) and that the caption decoder keeps in its
checkpoint, so a checkpoint alone can caption. A core data contract: the
data plugin writes the file, the model plugin reads it.
"""
import re
from pathlib import Path

from tokenizers import Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from tokenizers.trainers import WordLevelTrainer

PAD, UNK, BOS, EOS = '[PAD]', '[UNK]', '[BOS]', '[EOS]'
SPECIALS = [PAD, UNK, BOS, EOS]


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
    def train(cls, texts, vocab_size=None, min_freq=1):
        """Build the vocabulary from ``texts``: ids by decreasing count.

        Args:
            texts (iterable[str]): training captions (and prompts).
            vocab_size (int, optional): most tokens, special tokens
                included; None = every word seen ``min_freq`` times.
            min_freq (int): words seen fewer times become [UNK].
        """
        tok = cls._new({t: i for i, t in enumerate(SPECIALS)})
        trainer = WordLevelTrainer(vocab_size=vocab_size or 2**31 - 1,
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

    @classmethod
    def load(cls, path):
        """The tokenizer of a vocabulary file.

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: naming the file, when it is not a word tokenizer.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f'vocabulary file {path} not found')
        try:
            return cls.from_json(path.read_text(encoding='utf-8'))
        except Exception as exc:  # tokenizers raises a bare Exception
            raise ValueError(f'{path}: not a word vocabulary file '
                             f'({exc})') from None

    def save(self, path):
        """Write the vocabulary file (the JSON of :meth:`to_json`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding='utf-8')

    def words(self, text):
        """The normalised words of ``text`` as the tokenizer splits them
        (known or not)."""
        tok = self.tokenizer
        return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(
            tok.normalizer.normalize_str(text))]

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

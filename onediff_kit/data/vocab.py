"""The word vocabulary as data: built from manifests, written to a file.

``onediff data vocab MANIFEST... --out vocab.json`` (and the synthetic
generator and the benchmark importers, beside the manifest they write)
build a :class:`~onediff_kit.data.word_tokenizer.WordTokenizer` from the
captions of the manifests' training records plus extra texts (the task
prompts), and save its JSON. A model config names that file
(``model.decoder.vocab_file``); building the model reads no manifest.
"""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .jsonl import JsonlError, iter_jsonl
from .word_tokenizer import SPECIALS, WordTokenizer

VOCAB_FILE = 'vocab.json'
TEXT_KEYS = ('captions', 'gt_caption', 'prompt')


def _record_texts(record, keys):
    texts = []
    for key in keys:
        value = record.get(key)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, (list, tuple)):
            texts.extend(v for v in value if isinstance(v, str))
    return texts


def read_manifest_texts(paths, keys=TEXT_KEYS, splits=('train', ),
                        counts=None):
    """Texts of JSONL manifests (one JSON object per line).

    Tolerant: blank lines are skipped; ``captions`` may be a list or a
    string.

    Args:
        paths (sequence[str]): manifest files.
        keys (sequence[str]): fields to collect.
        splits (sequence[str], optional): only records whose ``split`` is
            one of these (records without ``split`` always count); None
            takes every record.
        counts (dict, optional): filled with path -> records read.

    Raises:
        FileNotFoundError: naming a missing file.
        JsonlError: naming the file and line of a bad line or a line that
            is not a JSON object.
    """
    texts = []
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f'vocabulary manifest {path} not found')
        used = 0
        for n, record in iter_jsonl(path, what='vocabulary manifest'):
            if not isinstance(record, dict):
                raise JsonlError(path, n, 'expected a JSON object')
            if (splits is not None and 'split' in record and
                    record['split'] not in splits):
                continue
            used += 1
            texts.extend(_record_texts(record, keys))
        if counts is not None:
            counts[str(path)] = used
    return texts


@dataclass
class VocabReport:
    """A built vocabulary and what went into it.

    Attributes:
        tokenizer (WordTokenizer): the vocabulary.
        records (dict): manifest -> records of the splits read.
        texts (int): texts counted (captions, prompts, extra texts).
        words (int): distinct words in them.
        cut_min_freq (int): distinct words seen fewer than ``min_freq``
            times (they become [UNK]).
        cut_vocab_size (int): distinct words left out by ``vocab_size``.
    """
    tokenizer: WordTokenizer
    records: dict = field(default_factory=dict)
    texts: int = 0
    words: int = 0
    cut_min_freq: int = 0
    cut_vocab_size: int = 0

    def summary(self):
        """One line for the user."""
        return (f'{len(self.tokenizer)} tokens ({len(SPECIALS)} special + '
                f'{len(self.tokenizer) - len(SPECIALS)} words) from '
                f'{self.texts} texts with {self.words} distinct words; cut: '
                f'{self.cut_min_freq} by min_freq, {self.cut_vocab_size} by '
                'vocab_size')


def build_vocab(manifests=(), splits=('train', ), texts=(), min_freq=1,
                vocab_size=None):
    """The word vocabulary of ``manifests``' records of ``splits`` (their
    ``captions``, ``gt_caption`` and ``prompt``) followed by ``texts``.

    Ids are deterministic: by decreasing count, the same input gives the
    same file.

    Args:
        manifests (sequence[str]): JSONL manifests.
        splits (sequence[str], optional): record splits read (default
            train); None = every record.
        texts (sequence[str]): more texts, e.g. the task prompts.
        min_freq (int): words seen fewer times become [UNK].
        vocab_size (int, optional): most tokens, special tokens included;
            None = no limit.

    Returns:
        VocabReport: the tokenizer and its counts.

    Raises:
        FileNotFoundError, JsonlError: naming a missing or bad manifest.
        ValueError: when no text was found.
    """
    if min_freq < 1:
        raise ValueError(f'min_freq must be at least 1, got {min_freq}')
    if vocab_size is not None and vocab_size <= len(SPECIALS):
        raise ValueError(f'vocab_size must be more than {len(SPECIALS)} '
                         f'(the special tokens), got {vocab_size}')
    records = {}
    corpus = read_manifest_texts(manifests, splits=splits, counts=records)
    corpus += list(texts)
    if not corpus:
        where = (f'the {list(splits)} records of {list(manifests)}'
                 if splits is not None else f'{list(manifests)}')
        raise ValueError(f'no vocabulary text in {where} or the extra '
                         'texts')
    tokenizer = WordTokenizer.train(corpus, vocab_size, min_freq)
    counts = Counter(w for text in corpus for w in tokenizer.words(text))
    rare = sum(1 for n in counts.values() if n < min_freq)
    kept = len(tokenizer) - len(SPECIALS)
    return VocabReport(tokenizer, records, len(corpus), len(counts), rare,
                       max(0, len(counts) - rare - kept))


def write_vocab(out, manifests=(), **kwargs):
    """Build the vocabulary (:func:`build_vocab` arguments) and save it to
    ``out``.

    Returns:
        VocabReport: what was written.
    """
    report = build_vocab(manifests, **kwargs)
    report.tokenizer.save(out)
    return report

"""The word tokenizer, re-exported from the core.

It lives in :mod:`onediff_kit.data.word_tokenizer` (the vocabulary file's
format, a data contract the data plugin writes and this plugin reads); the
vocabulary builder in :mod:`onediff_kit.data.vocab`.
"""
from onediff_kit.data.vocab import read_manifest_texts  # noqa: F401
from onediff_kit.data.word_tokenizer import (BOS, EOS, PAD,  # noqa: F401
                                             SPECIALS, UNK, WordTokenizer)

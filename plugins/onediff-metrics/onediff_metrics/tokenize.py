"""Caption tokenisation before scoring: the PTB tokenizer of coco-caption.

:func:`ptb_tokenize` runs the Stanford PTBTokenizer jar that pycocoevalcap
ships, with the same options and the same punctuation removal as
``pycocoevalcap.tokenizer.ptbtokenizer.PTBTokenizer``, so scores match
published numbers. It differs from that class where the class is fragile:
all captions (hypotheses and references together) go through one Java start,
the temporary file goes to the system temp dir instead of site-packages
(which may be read-only), text is passed as UTF-8 explicitly, and the number
of output lines is checked so that a caption with a stray line break can
never shift every later caption onto the wrong pair.
"""
import os
import re
import subprocess
import tempfile

from pycocoevalcap.tokenizer import ptbtokenizer

from .java import find_java

PTB_JAR = os.path.join(
    os.path.dirname(os.path.abspath(ptbtokenizer.__file__)),
    ptbtokenizer.STANFORD_CORENLP_3_4_1_JAR)
PUNCTUATIONS = frozenset(ptbtokenizer.PUNCTUATIONS)


def _one_line(caption):
    # str.splitlines knows every separator Java might also break on
    # (\r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029).
    return ' '.join(str(caption).splitlines()).strip()


def ptb_tokenize(captions, java='java'):
    """Lower-case and PTB-tokenise captions, dropping punctuation tokens.

    Args:
        captions (list[str]): the captions, in any language or script.
        java (str): the Java executable.

    Returns:
        list[str]: one space-joined token string per caption, same order.
        Empty or punctuation-only captions give ``''``.
    """
    lines = [_one_line(c) for c in captions]
    todo = [i for i, line in enumerate(lines) if line]
    out = [''] * len(lines)
    if not todo:
        return out
    java_path = find_java(java, needed_by='the PTB tokenizer')
    with tempfile.NamedTemporaryFile(
            'wb', suffix='.txt', prefix='onediff_ptb_', delete=False) as f:
        f.write('\n'.join(lines[i] for i in todo).encode('utf-8'))
        path = f.name
    try:
        proc = subprocess.run([
            java_path, '-Dfile.encoding=UTF-8', '-cp', PTB_JAR,
            'edu.stanford.nlp.process.PTBTokenizer', '-preserveLines',
            '-lowerCase', '-encoding', 'utf-8', path
        ],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    finally:
        os.remove(path)
    if proc.returncode != 0:
        raise RuntimeError(
            f'the PTB tokenizer ({PTB_JAR}) failed with exit code '
            f'{proc.returncode}: '
            f'{proc.stderr.decode("utf-8", "replace").strip()[-2000:]}')
    token_lines = proc.stdout.decode('utf-8', 'replace').split('\n')
    if token_lines and token_lines[-1] == '' and len(token_lines) > len(todo):
        token_lines.pop()
    if len(token_lines) != len(todo):
        raise RuntimeError(
            f'the PTB tokenizer returned {len(token_lines)} lines for '
            f'{len(todo)} captions; a caption probably holds a line break '
            'that Java and Python disagree on. First captions: '
            f'{[lines[i] for i in todo[:3]]}')
    for i, line in zip(todo, token_lines):
        out[i] = ' '.join(
            w for w in line.rstrip().split(' ') if w and w not in PUNCTUATIONS)
    return out


# Splits words from punctuation and clitics roughly as PTB does.
_SIMPLE_TOKEN = re.compile(
    r"n't|'(?:s|re|ve|ll|d|m)\b|[^\W_]+(?=n't)|[^\W_]+(?:-[^\W_]+)*|\S",
    re.UNICODE)


def simple_tokenize(captions):
    """A Java-free approximation of :func:`ptb_tokenize`.

    Lower-cases, splits off punctuation and the clitics ``n't 's 're 've
    'll 'd 'm`` and drops punctuation tokens. Scores on these tokens are close
    to, but not the same as, PTB-tokenised scores; they are for machines
    without Java.

    Args:
        captions (list[str]): the captions.

    Returns:
        list[str]: one space-joined token string per caption.
    """
    out = []
    for caption in captions:
        tokens = _SIMPLE_TOKEN.findall(_one_line(caption).lower())
        out.append(' '.join(
            t for t in tokens
            if t not in PUNCTUATIONS and any(ch.isalnum() for ch in t)))
    return out


TOKENIZERS = ('ptb', 'simple')


def tokenize(captions, tokenizer='ptb', java='java'):
    """Tokenise with the named tokenizer (``'ptb'`` or ``'simple'``).

    Args:
        captions (list[str]): the captions.
        tokenizer (str): ``'ptb'`` (Stanford PTBTokenizer, as coco-caption)
            or ``'simple'`` (pure Python approximation).
        java (str): the Java executable, for ``'ptb'``.
    """
    if tokenizer == 'ptb':
        return ptb_tokenize(captions, java=java)
    if tokenizer == 'simple':
        return simple_tokenize(captions)
    raise ValueError(
        f'unknown tokenizer {tokenizer!r}; choose one of {TOKENIZERS}')

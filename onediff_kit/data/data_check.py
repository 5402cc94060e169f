"""What a data set holds for a training run, before the run: the report of
``onediff data check``.

Everything is a count by reason with a few examples, never one line per
pair: bad manifest lines, missing image files, pairs whose two images differ
in size (read from the image headers, not decoded), caption lengths against
the decoder's ``max_length`` and how much of the val/test text the training
vocabulary covers. :func:`check_data` returns the report as a dict whose
``findings`` list says what needs attention, each ``error`` (the run would
fail or be meaningless) or ``warning``.
"""
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from onediff_kit.data.manifest import check_manifest, summarize

EVAL_SPLITS = ('val', 'test')
PERCENTILES = (50, 90, 99)
_WORD = re.compile(r'\w+|[^\w\s]+')


class WordCounter:
    """Words as the word-level decoder splits them (lower-cased runs of
    letters/digits, and of punctuation), with a vocabulary of ``texts``.

    Args:
        texts (iterable[str]): the texts that make the vocabulary.
    """
    unk_id = -1

    def __init__(self, texts=()):
        self.vocab = {}
        for text in texts:
            for word in self.words(text):
                self.vocab.setdefault(word, len(self.vocab))

    @staticmethod
    def words(text):
        return _WORD.findall(text.lower())

    def encode(self, text):
        return [self.vocab.get(w, self.unk_id) for w in self.words(text)]


def problem_kind(reason):
    """The kind of a bad line, without its particulars ("missing key
    \"task\"", "bad JSON", "duplicate pair_id", ...)."""
    first = reason.split('; ')[0]
    if first.startswith('duplicate pair_id'):
        return 'duplicate pair_id'
    kind = re.sub(r'\s*\(.*', '', first.split(': ')[0])
    return kind


def _image_size(path):
    with Image.open(path) as img:  # reads the header only
        return img.size


def check_images(records, root, examples=3):
    """Missing files, unreadable headers and size mismatches of the pairs.

    Returns:
        dict: ``missing`` and ``unreadable`` (pairs, files, per split,
        examples) and ``size_mismatch`` (pairs, per split, examples).
    """
    missing = dict(pairs=0, files=0, per_split=Counter(), examples=[])
    unreadable = dict(pairs=0, per_split=Counter(), examples=[])
    mismatch = dict(pairs=0, per_split=Counter(), examples=[])
    for rec in records:
        paths = [Path(root) / rec[k] for k in ('before', 'after')]
        absent = [p for p in paths if not p.is_file()]
        if absent:
            missing['pairs'] += 1
            missing['files'] += len(absent)
            missing['per_split'][rec['split']] += 1
            if len(missing['examples']) < examples:
                missing['examples'].append(
                    f'{rec["pair_id"]}: {", ".join(map(str, absent))}')
            continue
        try:
            sizes = [_image_size(p) for p in paths]
        except Exception as exc:  # PIL raises many kinds for a bad header
            unreadable['pairs'] += 1
            unreadable['per_split'][rec['split']] += 1
            if len(unreadable['examples']) < examples:
                unreadable['examples'].append(
                    f'{rec["pair_id"]}: {type(exc).__name__}: {exc}')
            continue
        if sizes[0] != sizes[1]:
            mismatch['pairs'] += 1
            mismatch['per_split'][rec['split']] += 1
            if len(mismatch['examples']) < examples:
                (w0, h0), (w1, h1) = sizes
                mismatch['examples'].append(
                    f'{rec["pair_id"]}: before {w0}x{h0}, after {w1}x{h1}')
    for part in (missing, unreadable, mismatch):
        part['per_split'] = dict(part['per_split'])
    return dict(missing=missing, unreadable=unreadable,
                size_mismatch=mismatch)


def caption_lengths(records, tokenizer, max_length=None):
    """Caption length percentiles per split, in the tokenizer's tokens.

    ``over_max_length`` counts captions whose tokens plus EOS exceed
    ``max_length`` (the decoder cuts them in training and cannot generate
    them in full).
    """
    lengths = defaultdict(list)
    for rec in records:
        if rec.get('empty_references'):
            continue
        lengths[rec['split']] += [
            len(tokenizer.encode(c)) for c in rec['captions']
        ]
    out = {}
    for split, values in lengths.items():
        values = np.asarray(values)
        row = dict(captions=int(values.size), max=int(values.max()))
        for q in PERCENTILES:
            row[f'p{q}'] = float(np.percentile(values, q))
        if max_length:
            row['over_max_length'] = int((values + 1 > max_length).sum())
        out[split] = row
    return out


def vocabulary_coverage(records, tokenizer, examples=5):
    """Share of the val/test caption tokens the tokenizer does not know."""
    out = {}
    for split in EVAL_SPLITS:
        tokens = unknown = 0
        words = Counter()
        for rec in records:
            if rec['split'] != split:
                continue
            for caption in rec['captions']:
                ids = tokenizer.encode(caption)
                tokens += len(ids)
                hits = [i for i, t in enumerate(ids)
                        if t == tokenizer.unk_id]
                unknown += len(hits)
                # Word-level tokenizers split as WordCounter does.
                all_words = WordCounter.words(caption)
                if hits and len(all_words) == len(ids):
                    words.update(all_words[i] for i in hits)
        if tokens:
            out[split] = dict(
                tokens=tokens, unknown=unknown,
                unknown_pct=round(100.0 * unknown / tokens, 2),
                examples=[w for w, _ in words.most_common(examples)])
    return out


def check_data(manifest,
               root=None,
               splits=None,
               tokenizer=None,
               vocabulary_source=None,
               max_length=None,
               check_files=True,
               max_unknown_pct=5.0,
               examples=3):
    """The data-preparation report of a manifest.

    Args:
        manifest (str | Path): the JSONL manifest.
        root (str | Path, optional): data root; default the manifest's
            folder.
        splits (sequence[str], optional): report only these splits (the
            vocabulary still comes from the training split).
        tokenizer (object, optional): the decoder's tokenizer
            (``BaseDecoder.caption_tokenizer``); None counts words with a
            vocabulary of the manifest's train split.
        vocabulary_source (str, optional): where ``tokenizer``'s vocabulary
            comes from, for the report.
        max_length (int, optional): the decoder's ``max_length``.
        check_files (bool): check image files and headers.
        max_unknown_pct (float): above this share of unknown val/test
            tokens the coverage is an error.
        examples (int): examples kept per reason.

    Returns:
        dict: ``summary``, ``bad_lines`` (kind -> count, examples),
        ``images``, ``caption_lengths``, ``vocabulary`` and ``findings``
        (list of ``(level, text)``).
    """
    manifest = Path(manifest)
    root = manifest.parent if root is None else Path(root)
    records, problems = check_manifest(manifest, root, check_files=False)
    train = [r for r in records if r['split'] == 'train']
    if splits:
        records = [r for r in records if r['split'] in splits]
    report = dict(manifest=str(manifest), root=str(root),
                  splits=list(splits) if splits else None,
                  summary=summarize(records), findings=[])
    findings = report['findings']

    report['bad_lines'] = _bad_lines(problems, examples, findings)
    if splits and not records:
        findings.append(('error', f'no record of split(s) {list(splits)}'))

    flagged = Counter(r['split'] for r in records
                      if r.get('empty_references'))
    report['empty_references'] = dict(flagged)
    if check_files:
        report['images'] = _image_report(records, root, examples, findings)

    if tokenizer is None:
        tokenizer = WordCounter(c for r in train for c in r['captions'])
        vocabulary_source = f'the train split of {manifest} (words)'
    report['caption_lengths'] = _length_report(records, tokenizer,
                                               max_length, findings)
    report['max_length'] = max_length
    report['vocabulary'] = _vocabulary_report(
        records, tokenizer, vocabulary_source, max_unknown_pct, manifest,
        findings)
    findings.sort(key=lambda f: f[0] != 'error')  # errors first, stable
    return report


def _bad_lines(problems, examples, findings):
    """Bad manifest lines by kind (count, examples); adds the finding."""
    bad = defaultdict(lambda: dict(count=0, examples=[]))
    for p in problems:
        entry = bad[problem_kind(p.reason)]
        entry['count'] += 1
        if len(entry['examples']) < examples:
            entry['examples'].append(f'line {p.line}: {p.reason}')
    if problems:
        kinds = ', '.join(f'{k} ({v["count"]})' for k, v in bad.items())
        findings.append(('error', f'{len(problems)} bad manifest lines: '
                         f'{kinds}'))
    return dict(bad)


def _image_report(records, root, examples, findings):
    """:func:`check_images` of ``records``; adds its findings."""
    images = check_images(records, root, examples)
    miss = images['missing']
    if miss['pairs']:
        findings.append((
            'error', f'{miss["pairs"]} of {len(records)} pairs miss '
            f'{miss["files"]} image files under the root {root} (per '
            f'split {miss["per_split"]}); is --root the folder holding '
            'the images?'))
    if images['unreadable']['pairs']:
        findings.append(('error', f'{images["unreadable"]["pairs"]} '
                         'pairs have an image whose header cannot be '
                         'read'))
    if images['size_mismatch']['pairs']:
        findings.append((
            'warning', f'{images["size_mismatch"]["pairs"]} pairs have '
            'two images of different sizes (the pipeline resizes both; '
            'pixel-aligned differences may be lost)'))
    return images


def _length_report(records, tokenizer, max_length, findings):
    """:func:`caption_lengths` per split; warns about captions the decoder
    cuts."""
    lengths = caption_lengths(records, tokenizer, max_length)
    if max_length:
        for split, row in lengths.items():
            if row['over_max_length']:
                pct = 100.0 * row['over_max_length'] / row['captions']
                findings.append((
                    'warning', f'{split}: {row["over_max_length"]} of '
                    f'{row["captions"]} captions ({pct:.1f} %) are longer '
                    f'than max_length={max_length} tokens (EOS included); '
                    'the decoder cuts them'))
    return lengths


def _vocabulary_report(records, tokenizer, source, max_unknown_pct,
                       manifest, findings):
    """Vocabulary coverage per split; an error above ``max_unknown_pct``."""
    coverage = vocabulary_coverage(records, tokenizer)
    vocab = manifest.parent / 'vocab.json'
    for split, row in coverage.items():
        if row['unknown_pct'] > max_unknown_pct:
            findings.append((
                'error', f'{row["unknown_pct"]:.1f} % of the {split} caption '
                f'tokens ({row["unknown"]} of {row["tokens"]}) are unknown '
                f'to the vocabulary of {source}: the model can never say '
                'them. Build the vocabulary from this data set\'s train '
                f'split (onediff data vocab {manifest} --out {vocab}, then '
                f'--cfg-options model.decoder.vocab_file={vocab})'))
    return dict(source=source, splits=coverage)

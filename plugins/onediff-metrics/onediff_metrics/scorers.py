"""Tokenise once, then run pycocoevalcap's scorers on the whole set and on
subsets of it.

Corpus-level numbers are computed the way each metric defines its corpus
score:

* BLEU-n: pycocoevalcap's ``Bleu`` ('closest' reference length) on the set;
  n-gram counts are pooled over the set, so a subset is re-scored alone.
* METEOR: METEOR 1.5's own aggregate of the per-segment statistics of the
  set (``EVAL``), one Java process for everything.
* ROUGE-L: mean of per-image ROUGE-L (beta 1.2), as pycocoevalcap.
* CIDEr: mean of per-image CIDEr whose document frequencies come from the
  *whole* evaluated set, also for subsets (see docs/evaluation.md).
* SPICE: mean of per-image SPICE F-scores, where SPICE can run.
"""
from collections import OrderedDict

import numpy as np
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.rouge.rouge import Rouge

from .cider import CIDER_VARIANTS, cider_per_image
from .java import find_java
from .meteor import MeteorProcess
from .spice import (log_spice_unavailable_once, spice_per_image,
                    spice_unavailable_reason)
from .tokenize import TOKENIZERS, tokenize

METRIC_NAMES = ('BLEU', 'METEOR', 'ROUGE-L', 'CIDEr', 'SPICE')
DEFAULT_METRICS = ('BLEU', 'METEOR', 'ROUGE-L', 'CIDEr')


def _bleu(hyps, refs):
    if not hyps:
        return [0.0] * 4
    gts = {i: r for i, r in enumerate(refs)}
    res = {i: [h] for i, h in enumerate(hyps)}
    score, _ = Bleu(4).compute_score(gts, res, verbose=0)
    return [float(s) for s in score]


class CaptionScorer:
    """Scores captions with pycocoevalcap's scorers, called directly.

    Args:
        metrics (Sequence[str]): any of ``'BLEU'`` (gives BLEU-1..4),
            ``'METEOR'``, ``'ROUGE-L'``, ``'CIDEr'``, ``'SPICE'``. Defaults
            to all but SPICE.
        cider_variant (str | Sequence[str]): ``'CIDEr-D'``
            (pycocoevalcap's Cider, what papers report as CIDEr; default)
            or ``'CIDEr'`` (original, unclipped). One variant is reported
            as ``CIDEr``; a sequence of several reports each under its own
            name (``CIDEr-D``, ``CIDEr``).
        spice (bool | str): ``'auto'`` runs SPICE where Java and Stanford
            CoreNLP are installed and otherwise logs once that it is
            skipped; True requires it (an error if unavailable); False never
            runs it. ``'SPICE'`` in ``metrics`` means True.
        tokenizer (str): ``'ptb'`` (Stanford PTBTokenizer, as coco-caption;
            default) or ``'simple'`` (pure Python, for machines without
            Java; not comparable with published numbers).
        java (str): the Java executable.
    """

    def __init__(self,
                 metrics=DEFAULT_METRICS,
                 cider_variant='CIDEr-D',
                 spice='auto',
                 tokenizer='ptb',
                 java='java'):
        if isinstance(metrics, str):
            metrics = [metrics]
        unknown = [m for m in metrics if m not in METRIC_NAMES]
        if unknown or not metrics:
            raise ValueError(f'unknown caption metrics {unknown}; choose '
                             f'from {METRIC_NAMES}')
        variants = ((cider_variant, ) if isinstance(cider_variant, str)
                    else tuple(cider_variant))
        bad = [v for v in variants if v not in CIDER_VARIANTS]
        if bad or not variants:
            raise ValueError(f'unknown cider_variant {cider_variant!r}; '
                             f'choose from {CIDER_VARIANTS}')
        if tokenizer not in TOKENIZERS:
            raise ValueError(f'unknown tokenizer {tokenizer!r}; choose one '
                             f'of {TOKENIZERS}')
        if spice not in (True, False, 'auto'):
            raise ValueError(f"spice must be True, False or 'auto', got "
                             f'{spice!r}')
        self.metrics = [m for m in METRIC_NAMES if m in metrics]
        self.cider_variants = variants
        # One variant keeps the key CIDEr; several are named each.
        self.cider_keys = ({variants[0]: 'CIDEr'} if len(variants) == 1 else
                           {v: v for v in variants})
        self.tokenizer = tokenizer
        self.java = java
        # Fail at construction, not after hours of training.
        needs = [m for m in ('METEOR', ) if m in self.metrics]
        if tokenizer == 'ptb':
            needs.insert(0, 'the PTB tokenizer')
        if needs:
            find_java(java, needed_by=' and '.join(needs))
        if 'SPICE' in self.metrics:
            spice = True
        self.spice_reason = None
        if spice is False:
            self.use_spice = False
        else:
            self.spice_reason = spice_unavailable_reason(java)
            if self.spice_reason and spice is True:
                raise RuntimeError(
                    f'SPICE was asked for but cannot run: '
                    f'{self.spice_reason}. Install Stanford CoreNLP 3.6.0 '
                    'jars into pycocoevalcap/spice/lib, or drop SPICE.')
            self.use_spice = self.spice_reason is None
        if self.use_spice and 'SPICE' not in self.metrics:
            self.metrics.append('SPICE')
        elif not self.use_spice and 'SPICE' in self.metrics:
            self.metrics.remove('SPICE')

    @property
    def score_names(self):
        """Names of the scores :meth:`score` returns, in order."""
        names = []
        for m in self.metrics:
            if m == 'BLEU':
                names += [f'BLEU-{n}' for n in range(1, 5)]
            elif m == 'CIDEr':
                names += list(self.cider_keys.values())
            else:
                names.append(m)
        return names

    @property
    def protocol(self):
        """One line saying how the scores were computed."""
        tok = ('PTB tokenizer (Stanford CoreNLP 3.4.1, lower-cased, '
               'punctuation removed)' if self.tokenizer == 'ptb' else
               'simple Python tokenizer (lower-cased, punctuation removed; '
               'NOT PTB)')
        described = {
            'CIDEr-D': 'CIDEr-D (pycocoevalcap Cider: clipped, length '
            'penalty sigma=6, x10)',
            'CIDEr': 'original CIDEr (unclipped, no length penalty)'}
        cider = ' and '.join(
            described[v] + ('' if key == 'CIDEr' and len(self.cider_keys) == 1
                            else f' as {key}')
            for v, key in self.cider_keys.items())
        spice = 'on' if self.use_spice else (
            f'off ({self.spice_reason})' if self.spice_reason else 'off')
        return (f'pycocoevalcap 1.2 scorers called directly; tokenizer: '
                f'{tok}; references: every reference caption of a pair is '
                f'one reference set; metrics: {", ".join(self.score_names)}; '
                f'CIDEr variant: {cider}, document frequencies from the whole '
                f'evaluated set; SPICE: {spice}')

    def score(self, hypotheses, references, groups=None,
              group_corpus='whole'):
        """Score hypotheses against their references.

        Args:
            hypotheses (list[str]): one raw hypothesis per pair.
            references (list[list[str]]): the raw references of each pair
                (at least one each).
            groups (dict[str, list[int]], optional): subsets to score as
                well, by index into ``hypotheses``.
            group_corpus (str): ``'whole'``: a group's CIDEr uses document
                frequencies of the whole set; ``'own'``: of the group alone,
                as a separate coco-caption run over the group would. (The
                other metrics do not depend on the rest of the set.)

        Returns:
            dict: ``overall`` (name -> score), ``groups`` (group ->
            name -> score) and ``per_image`` (name -> list of per-pair
            scores, for the metrics that have them).
        """
        groups = groups or {}
        flat = list(hypotheses) + [r for refs in references for r in refs]
        tokens = tokenize(flat, self.tokenizer, java=self.java)
        hyps = tokens[:len(hypotheses)]
        refs, pos = [], len(hypotheses)
        for ref_list in references:
            refs.append(tokens[pos:pos + len(ref_list)])
            pos += len(ref_list)

        overall = OrderedDict()
        by_group = OrderedDict((g, OrderedDict()) for g in groups)
        per_image = OrderedDict()

        def mean_of(values, idx):
            return float(np.mean([values[i] for i in idx])) if idx else 0.0

        for metric in self.metrics:
            if metric == 'BLEU':
                for n, s in enumerate(_bleu(hyps, refs), 1):
                    overall[f'BLEU-{n}'] = s
                for g, idx in groups.items():
                    scores = _bleu([hyps[i] for i in idx],
                                   [refs[i] for i in idx])
                    for n, s in enumerate(scores, 1):
                        by_group[g][f'BLEU-{n}'] = s
            elif metric == 'METEOR':
                with MeteorProcess(java=self.java) as meteor:
                    stats = meteor.segment_stats(hyps, refs)
                    overall['METEOR'], per_image['METEOR'] = meteor.evaluate(
                        stats)
                    for g, idx in groups.items():
                        by_group[g]['METEOR'] = meteor.evaluate(
                            [stats[i] for i in idx])[0]
                continue
            else:
                if metric == 'ROUGE-L':
                    rouge = Rouge()
                    values = [
                        float(rouge.calc_score([h], r))
                        for h, r in zip(hyps, refs)
                    ]
                elif metric == 'CIDEr':
                    self._score_cider(hyps, refs, groups, group_corpus,
                                      overall, by_group, per_image)
                    continue
                else:  # SPICE
                    values = spice_per_image(hyps, refs)
                per_image[metric] = values
                overall[metric] = (
                    float(np.nanmean(values)) if values else 0.0)
                for g, idx in groups.items():
                    by_group[g][metric] = mean_of(values, idx)
        return dict(overall=overall, groups=by_group, per_image=per_image)

    def _score_cider(self, hyps, refs, groups, group_corpus, overall,
                     by_group, per_image):
        for variant, key in self.cider_keys.items():
            values = cider_per_image(hyps, refs, variant)
            per_image[key] = values
            overall[key] = float(np.mean(values)) if values else 0.0
            for g, idx in groups.items():
                if group_corpus == 'own':
                    own = cider_per_image([hyps[i] for i in idx],
                                          [refs[i] for i in idx], variant)
                    by_group[g][key] = float(np.mean(own)) if own else 0.0
                else:
                    by_group[g][key] = (float(np.mean(
                        [values[i] for i in idx])) if idx else 0.0)

    def log_skipped(self):
        """Log, once per process, that SPICE is skipped (if it is)."""
        if self.spice_reason:
            log_spice_unavailable_once(self.spice_reason)

"""CIDEr per image, with document frequencies from the whole evaluated set.

pycocoevalcap's ``CiderScorer`` (coco-caption's code) computes CIDEr-D
(Vedantam et al., 2015, sec. 5): tf-idf n-gram vectors (n = 1..4), candidate
weights clipped at the reference's, a Gaussian length penalty (sigma 6) and a
factor 10. It is what papers, and the DDLA reference numbers, report as
"CIDEr". ``variant='CIDEr'`` gives the original CIDEr of the same paper
(sec. 3: no clipping, no length penalty, no factor 10).
"""
import math
from collections import defaultdict

import numpy as np
from pycocoevalcap.cider.cider_scorer import CiderScorer

CIDER_VARIANTS = ('CIDEr-D', 'CIDEr')


class OriginalCiderScorer(CiderScorer):
    """The original CIDEr: unclipped cosine similarity, no length penalty."""

    def compute_cider(self):

        def counts2vec(cnts):
            vec = [defaultdict(float) for _ in range(self.n)]
            norm = [0.0] * self.n
            for ngram, term_freq in cnts.items():
                df = np.log(max(1.0, self.document_frequency[ngram]))
                n = len(ngram) - 1
                vec[n][ngram] = float(term_freq) * (self.ref_len - df)
                norm[n] += vec[n][ngram]**2
            return vec, [math.sqrt(v) for v in norm]

        self.ref_len = np.log(float(len(self.crefs)))
        scores = []
        for test, refs in zip(self.ctest, self.crefs):
            vec, norm = counts2vec(test)
            score = np.zeros(self.n)
            for ref in refs:
                vec_ref, norm_ref = counts2vec(ref)
                for n in range(self.n):
                    val = sum(w * vec_ref[n].get(g, 0.0)
                              for g, w in vec[n].items())
                    if norm[n] != 0 and norm_ref[n] != 0:
                        val /= norm[n] * norm_ref[n]
                    score[n] += val
            scores.append(float(np.mean(score)) / len(refs))
        return scores


def cider_per_image(hypotheses, references, variant='CIDEr-D'):
    """CIDEr of every image, document frequencies over all of them.

    Args:
        hypotheses (list[str]): one tokenised hypothesis per image.
        references (list[list[str]]): the tokenised references of each image
            (at least one).
        variant (str): ``'CIDEr-D'`` (pycocoevalcap's Cider, the usual
            number) or ``'CIDEr'`` (original, unclipped).

    Returns:
        list[float]: one score per image; their mean is the corpus CIDEr.
    """
    if variant not in CIDER_VARIANTS:
        raise ValueError(
            f'unknown CIDEr variant {variant!r}; choose one of '
            f'{CIDER_VARIANTS}')
    if not hypotheses:
        return []
    if not any(r.split() for rs in references for r in rs):
        # No reference n-gram at all: pycocoevalcap would fail on max([]).
        return [0.0] * len(hypotheses)
    cls = CiderScorer if variant == 'CIDEr-D' else OriginalCiderScorer
    scorer = cls(n=4, sigma=6.0)
    for hyp, refs in zip(hypotheses, references):
        scorer += (hyp, refs)
    _, scores = scorer.compute_score()
    return [float(s) for s in scores]

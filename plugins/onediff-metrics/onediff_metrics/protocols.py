"""Benchmark evaluation protocols: how the strongest peers score each one.

A protocol fixes what :class:`~onediff_metrics.caption_metric.CaptionMetric`
does beyond the coco-caption scorers: which groups of pairs are scored, and
whether each group is its own corpus; which CIDEr variants are reported;
how references are prepared. ``CaptionMetric(protocol=NAME)`` selects one;
the protocol line saved with the scores starts with its name. Sources are
the peers' own evaluation code (docs/benchmarks.md).
"""
import re
from collections import OrderedDict
from dataclasses import dataclass

# CLEVR-Change's importer types every distractor pair 'none'.
NO_CHANGE_TYPES = frozenset(('none', 'distractor', 'no_change'))
CLEVR_CHANGE_TYPES = ('color', 'material', 'add', 'drop', 'move')

# NCT's utils/eval_utils_edit.py deletes these characters from the IER
# references (no space put in their place) before coco-caption runs.
# As there, '+-.' is a range (+ , - .) and ';' is not in the class.
NCT_PUNCTUATION = re.compile('[\u2019!"#$%&\'()*+-./:<=>?@[\\]^_`{|}~\n'
                             '\u3002\uff01\uff0c]+')


@dataclass(frozen=True)
class EvalProtocol:
    """One benchmark's evaluation protocol.

    Args:
        name (str): the key of :data:`PROTOCOLS`; first word of the
            protocol line.
        source (str): whose evaluation this reproduces (repository @ file).
        groups (str): ``'change_type'`` (every type present, plus
            ``semantic_change``; the project default), ``'clevr_change'``
            (DUDA's semantic / non-semantic / per-type split) or ``'none'``.
        group_corpus (str): ``'whole'``: a group's CIDEr takes document
            frequencies from the whole evaluated set; ``'own'``: every group
            is scored as a corpus of its own, as a separate coco-caption
            run over its image ids does.
        cider_variants (tuple[str]): one variant is reported as ``CIDEr``;
            two or more are reported under their own names (``CIDEr-D``,
            ``CIDEr``).
        reference_filter (re.Pattern, optional): deleted from every
            reference before tokenisation.
        merge_by (tuple[str], optional): sample fields that identify an
            image pair; samples that share them are scored as one pair
            whose references are all of theirs (Spot-the-Diff imported per
            entry).
    """
    name: str
    source: str
    groups: str = 'change_type'
    group_corpus: str = 'whole'
    cider_variants: tuple = ('CIDEr-D', )
    reference_filter: re.Pattern = None
    merge_by: tuple = None

    def describe(self):
        """The protocol's part of the protocol line."""
        parts = [f'{self.name} protocol ({self.source})']
        if self.groups == 'clevr_change':
            parts.append('groups: total, semantic_change, '
                         'non_semantic_change, per type '
                         f'{", ".join(CLEVR_CHANGE_TYPES)}, distractor')
        elif self.groups == 'change_type':
            parts.append('groups: per change type where given')
        else:
            parts.append('groups: none (the whole set)')
        if self.groups != 'none':
            parts.append(
                'each group scored as its own corpus'
                if self.group_corpus == 'own' else
                'group CIDEr with document frequencies of the whole set')
        if self.reference_filter is not None:
            parts.append('references stripped of punctuation '
                         f'{self.reference_filter.pattern!r} first')
        if self.merge_by:
            parts.append('references merged per image pair '
                         f'({"+".join(self.merge_by)})')
        return '; '.join(parts)


PROTOCOLS = OrderedDict((p.name, p) for p in (
    EvalProtocol(
        name='coco',
        source='coco-caption scorers; the project default'),
    EvalProtocol(
        name='clevr-change-duda',
        source='Seth-Park/RobustChangeCaptioning evaluate.py and '
        'utils/eval_utils.py (DUDA)',
        groups='clevr_change',
        group_corpus='own'),
    EvalProtocol(
        name='spot-the-diff-merged',
        source='harsh19/spot-the-diff code/predictions ground truth, '
        'CLIP4IDC: all sentences of an img_id are one reference set',
        groups='none',
        merge_by=('before_path', 'after_path')),
    EvalProtocol(
        name='ier-nct',
        source='tuyunbin/NCT evaluate_edit.py and utils/eval_utils_edit.py',
        groups='none',
        reference_filter=NCT_PUNCTUATION),
    EvalProtocol(
        name='birds-to-words',
        source='yaolinli/IDC eval/eval.py (IDC-PCL): BLEU, METEOR, ROUGE-L, '
        'CIDEr and CIDEr-D',
        groups='none',
        cider_variants=('CIDEr-D', 'CIDEr')),
    EvalProtocol(
        name='clevr-dc-dirl',
        source='tuyunbin/DIRL evaluate_dc.py and utils/eval_utils_dc.py',
        groups='none'),
))


def get_protocol(name):
    """The protocol called ``name``; a ValueError lists the known ones."""
    if isinstance(name, EvalProtocol):
        return name
    if name not in PROTOCOLS:
        raise ValueError(f'unknown evaluation protocol {name!r}; choose one '
                         f'of {", ".join(PROTOCOLS)}')
    return PROTOCOLS[name]


def clevr_change_groups(change_types):
    """DUDA's groups: index lists into the evaluated set.

    Semantic pairs are those whose type is not a no-change type (an
    untyped pair counts as semantic: CLEVR-Change's importer leaves a
    semantic pair missing from type_mapping.json untyped). ``distractor``
    holds the same pairs as ``non_semantic_change``, under the name the
    per-type tables use.

    Args:
        change_types (list[str | None]): each pair's change type.

    Returns:
        OrderedDict[str, list[int]]: non-empty groups only.
    """
    semantic, non_semantic = [], []
    by_type = OrderedDict((t, []) for t in CLEVR_CHANGE_TYPES)
    for i, t in enumerate(change_types):
        if t in NO_CHANGE_TYPES:
            non_semantic.append(i)
            continue
        semantic.append(i)
        if t is not None:
            by_type.setdefault(str(t), []).append(i)
    groups = OrderedDict(
        semantic_change=semantic, non_semantic_change=non_semantic)
    groups.update(by_type)
    groups['distractor'] = list(non_semantic)
    return OrderedDict((g, idx) for g, idx in groups.items() if idx)

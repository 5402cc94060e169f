"""Grouping evaluated pairs by change type (CLEVR-Change style breakdown).

CLEVR-Change reports color, material, add, drop, move and the distractor
pairs (a viewpoint change only, ``none``/``distractor``) separately, plus all
semantic changes together. The groups here are index lists into the
evaluated set; the scorer computes each group's scores with document
frequencies from the whole set (see :mod:`onediff_metrics.scorers`).
"""
from collections import OrderedDict

# The order CLEVR-Change papers print; other types follow alphabetically.
KNOWN_ORDER = ('color', 'material', 'add', 'drop', 'move', 'distractor',
               'none')
NO_CHANGE_TYPES = frozenset(('none', 'distractor', 'no_change'))
SEMANTIC_GROUP = 'semantic_change'


def group_by_change_type(change_types, semantic_group=True):
    """Index lists per change type.

    Args:
        change_types (list[str | None]): the change type of each pair; pairs
            with None or ``''`` belong to no group.
        semantic_group (bool): also add :data:`SEMANTIC_GROUP`, every pair
            whose type is not a no-change type, when both kinds occur.

    Returns:
        OrderedDict[str, list[int]]: type -> indices, in :data:`KNOWN_ORDER`
        first. Empty when no pair has a type.
    """
    groups = {}
    for i, t in enumerate(change_types):
        if t is None or t == '':
            continue
        groups.setdefault(str(t), []).append(i)
    rank = {t: k for k, t in enumerate(KNOWN_ORDER)}
    ordered = OrderedDict(
        (t, groups[t])
        for t in sorted(groups, key=lambda t: (rank.get(t, len(rank)), t)))
    if semantic_group:
        changed = [
            i for t, idx in ordered.items() if t not in NO_CHANGE_TYPES
            for i in idx
        ]
        if changed and len(changed) < sum(map(len, ordered.values())):
            ordered[SEMANTIC_GROUP] = sorted(changed)
    return ordered

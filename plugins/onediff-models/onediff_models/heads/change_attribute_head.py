"""Auxiliary supervision of the delta tokens with the change's scene truth.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.contracts import BaseDeltaHead
from onediff_kit.registry import MODELS

OBJECT_ATTRIBUTES = ('size', 'color', 'material', 'shape')


def target_classes(vocabulary, targets):
    """Class names per target, read from a scene vocabulary
    (:class:`onediff_kit.data.scene_vocabulary.SceneVocabulary`).

    ``change_type`` -> the change types; ``size``/``color``/``material``/
    ``shape`` -> the changed object's attribute values; ``new`` -> the new
    value of a color or material change.
    """
    V = vocabulary
    known = dict(change_type=tuple(V.change_types), size=tuple(V.sizes),
                 color=tuple(V.colors), material=tuple(V.materials),
                 shape=tuple(V.shapes),
                 new=tuple(V.colors) + tuple(V.materials))
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise KeyError(f'ChangeAttributeHead: unknown targets {unknown}; '
                       f'choose from {sorted(known)}')
    return {t: known[t] for t in targets}


def target_value(sample, target):
    """The sample's truth for ``target`` or None (e.g. real-photo pairs)."""
    meta = sample.metainfo.get('meta') or {}
    if target == 'change_type':
        return sample.metainfo.get('change_type')
    if target == 'new':
        new = meta.get('new')
        return new if isinstance(new, str) else None
    return (meta.get('changed_object') or {}).get(target)


@MODELS.register_module()
class ChangeAttributeHead(BaseDeltaHead):
    """Classifies the change from the delta tokens: its type and the changed
    object's attributes (training-only auxiliary loss).

    The captions name the changed object, so the delta tokens must carry its
    colour, material, shape and size; with a decoder trained from scratch on
    a short schedule, the caption loss alone lets them drop that
    information (bench/probe_attributes.py). This head adds a cross-entropy
    per target on the scene truth that synthetic pairs carry (``change_type``
    and ``meta.changed_object``/``meta.new``). Each target attention-pools
    the delta tokens with its own learned query, then a linear layer
    classifies. Samples without a target's truth (real photos, stage-1
    coupled samples, the object of a ``none`` pair) are ignored for it. Not
    part of the paper; the OneDiff recipe is ``delta_head=None``.

    Args:
        in_channels (int): width of the delta tokens (injected).
        targets (sequence[str]): what to classify, from ``change_type``,
            ``size``, ``color``, ``material``, ``shape``, ``new``.
        vocabulary (str, optional): a scene vocabulary file (JSON, laid out
            as ``onediff_kit/data/scene_vocabulary.json``) whose
            ``change_types``, ``sizes``, ``colors``, ``materials`` and
            ``shapes`` are the class names; None (default) reads that file.
        loss_weight (float): multiplies every target's loss.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, in_channels,
                 targets=('change_type', ) + OBJECT_ATTRIBUTES + ('new', ),
                 vocabulary=None, loss_weight=1.0,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.classes = target_classes(load_scene_vocabulary(vocabulary),
                                      tuple(targets))
        self.index = {t: {c: i for i, c in enumerate(cs)}
                      for t, cs in self.classes.items()}
        self.loss_weight = loss_weight
        self.queries = nn.Parameter(
            torch.randn(len(self.classes), in_channels) * in_channels**-0.5)
        self.classifiers = nn.ModuleDict({
            t: nn.Linear(in_channels, len(cs))
            for t, cs in self.classes.items()
        })

    def forward(self, delta_tokens):
        """``(B, N, C)`` delta tokens -> dict target -> logits ``(B, K)``."""
        if delta_tokens.shape[1] == 0:
            raise ValueError('ChangeAttributeHead needs delta tokens; the '
                             'delta module returned none (NoDelta?): set '
                             'model.delta_head=None')
        scores = torch.einsum('bnc,tc->btn', delta_tokens, self.queries)
        pooled = torch.einsum('btn,bnc->btc', scores.softmax(-1),
                              delta_tokens)
        return {t: self.classifiers[t](pooled[:, i])
                for i, t in enumerate(self.classes)}

    def labels(self, data_samples, device=None):
        """dict target -> ``(B,)`` class indices, -100 where unknown."""
        out = {}
        for t, index in self.index.items():
            values = [target_value(s, t) for s in data_samples]
            out[t] = torch.tensor([index.get(v, -100) for v in values],
                                  dtype=torch.long, device=device)
        return out

    def loss(self, delta_tokens, data_samples):
        """``loss_aux_<target>`` (weighted cross-entropy), ``acc_aux_<target>``
        per target; a target no sample of the batch has gives a zero loss.
        """
        logits = self(delta_tokens)
        labels = self.labels(data_samples, delta_tokens.device)
        losses = {}
        for t, logit in logits.items():
            known = labels[t] != -100
            if not known.any():
                losses[f'loss_aux_{t}'] = logit.sum() * 0.0
                continue
            losses[f'loss_aux_{t}'] = self.loss_weight * F.cross_entropy(
                logit[known], labels[t][known])
            right = logit[known].argmax(-1) == labels[t][known]
            losses[f'acc_aux_{t}'] = right.float().mean().detach()
        return losses

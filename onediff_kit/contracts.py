"""What each swappable part gives the core: the contracts, in one module.

A plugin's component subclasses the base class of its kind and returns the
output type named here. The core reads nothing else from it:

- encoder, :class:`BaseEncoder`: ``forward(images)`` -> tuple of features;
- delta, :class:`BaseDelta`: ``forward(feats, need_attention=False)`` ->
  :class:`DeltaOutput`;
- projector, :class:`BaseProjector`: ``forward(image_tokens,
  delta_tokens)`` -> ``(B, T, D)`` tensor;
- decoder, :class:`BaseDecoder`: ``loss(...)`` -> dict, ``predict(...)``
  -> :class:`DecoderOutput`;
- delta head, :class:`BaseDeltaHead`: ``loss(delta_tokens, data_samples)``
  -> dict;
- metric, :class:`ReportMetric`: ``compute_report(results)`` -> dict with
  ``metrics``;
- dataset, :class:`PromptedDatasetMixin`: ``prompts``, ``prompt_for(task)``
  and mmengine's ``pipeline``.

Outputs are returned, never kept: no part keeps anything from one call for
the next. ``onediff_kit.testing`` checks a component against its contract;
:mod:`onediff_kit.plugin_compat` adapts the old forms and reports a
violation in one line. ``onediff list`` reads ``component_kind`` to tell
the model parts apart inside the one MODELS registry.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.dist import broadcast_object_list, collect_results, \
    is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModule

from onediff_kit.plugin_status import describe_provider

GUIDE = 'docs/plugin_guide.md'
MIGRATION_SECTION = '8. Migrating from plugin API 1'
# kind -> (what the core calls on a component of that kind, the section of
# the plugin guide that explains it)
EXPECTED = {
    'encoder': ('forward(images) -> tuple of (B, 2, C_l, h_l, w_l) tensors',
                'An encoder or a projector: the contract'),
    'delta': ('forward(feats, need_attention=False) -> '
              'DeltaOutput(tokens=..., attention=None), and an int '
              'out_channels', '3. A delta module: the contract'),
    'projector': ('forward(image_tokens, delta_tokens) -> (B, T, D) tensor',
                  'An encoder or a projector: the contract'),
    'decoder': ('predict(visual_tokens, data_samples, num_beams=None, '
                'max_length=None) -> DecoderOutput(captions=..., '
                'beams=None), loss(visual_tokens, data_samples) -> dict and '
                'an int embed_dims', 'A decoder: the contract'),
    'metric': ("compute_report(results) -> dict(metrics={...}, ...)",
               '7. A metric or a dataset: the contracts'),
    'dataset': ('prompts, prompt_for(task) and a pipeline, built with '
                'lazy_init=True', '7. A metric or a dataset: the contracts'),
}


class ContractError(TypeError):
    """A component breaks the contract of its kind; the message is one line
    naming the plugin, the class, what the contract expects and the guide's
    section (:func:`contract_violation` writes it)."""


def contract_violation(component, kind, problem):
    """The one-line :class:`ContractError` for a component that breaks the
    contract of its kind.

    Args:
        component (object | type): the component or its class.
        kind (str): a key of :data:`EXPECTED`, e.g. ``'delta'``.
        problem (str): what it did, e.g. ``'returned Tensor from forward'``.
    """
    cls = component if isinstance(component, type) else type(component)
    expected, section = EXPECTED[kind]
    return ContractError(
        f'{describe_provider(cls)}: {cls.__name__} {problem}; a {kind} '
        f'has {expected} (see {GUIDE}, section "{section}")')


# ----------------------------------------------------------------- outputs
@dataclass
class DeltaOutput:
    """What a delta module's ``forward`` returns.

    Attributes:
        tokens (Tensor): ``(B, N_delta, out_channels)`` delta tokens
            (``N_delta`` may be 0).
        attention (Tensor, optional): where the tokens looked, only when
            asked for (``need_attention=True``) and the module exposes it:
            per pair either ``(2, h, w)`` maps (before, after), i.e.
            ``(B, 2, h, w)``, or ``(T, M)`` weights of ``T`` tokens over a
            memory of ``M`` positions, i.e. ``(B, T, M)``, laid out as
            ``memory_shapes`` and ``memory_groups`` say. None: none.
        memory_shapes (tuple, optional): ``(h, w)`` per encoder level of the
            memory the ``(T, M)`` weights run over.
        memory_groups (tuple[str], optional): the token groups of each level
            in memory order. ``'before'`` maps onto the before image,
            ``'after'`` onto the after image, and any other name (e.g.
            ``'difference'``, or ``'pair'`` for fused features) is a place
            in both, e.g. ``('before', 'after', 'difference')``. None:
            ``('before', 'after')``.

    ``onediff_kit.visualization.delta_attention_maps`` turns one pair's
    attention and this layout into ``(2, h, w)`` maps.
    """
    tokens: torch.Tensor
    attention: Optional[torch.Tensor] = None
    memory_shapes: Optional[Tuple[Tuple[int, int], ...]] = None
    memory_groups: Optional[Tuple[str, ...]] = None


@dataclass
class DecoderOutput:
    """What a decoder's ``predict`` returns.

    Attributes:
        captions (list[str]): one caption per sample.
        beams (list, optional): per sample, every finished beam-search
            hypothesis as ``(caption, score)``, best first (the first is the
            caption). None (greedy search, or the decoder lists no
            alternatives).
    """
    captions: List[str]
    beams: Optional[List[Sequence[Tuple[str, float]]]] = None


# ------------------------------------------------------------ model parts
class BaseEncoder(BaseModule):
    """Siamese image encoder.

    ``forward(images)`` takes a ``(B, 2, 3, H, W)`` tensor (index 0 = before,
    1 = after) and returns a tuple of multi-level feature maps, each
    ``(B, 2, C_l, h_l, w_l)``, computed with shared weights in ONE batched
    forward. ``out_channels`` lists ``C_l``.
    """
    component_kind = 'encoder'
    out_channels = ()


class BaseDelta(BaseModule):
    """Visual delta module: turns the two images' features into tokens.

    Built with ``in_channels`` (the encoder's ``out_channels``) injected by
    ``OneDiff``. ``forward(feats, need_attention=False)`` returns a
    :class:`DeltaOutput`: the ``(B, N_delta, out_channels)`` tokens and,
    when ``need_attention`` and the module exposes it, where they looked
    (``OneDiff.predict`` hands it on for heat maps and the pointing game).
    The module keeps nothing from ``forward`` on itself.

    ``exposes_attention`` (class attribute) declares whether
    ``need_attention=True`` gives attention (the pointing game applies).
    """
    component_kind = 'delta'
    out_channels = 0
    exposes_attention = False

    def forward(self, feats, need_attention=False):
        """:class:`DeltaOutput` for the encoder's multi-level ``feats``."""
        raise NotImplementedError


class BaseProjector(BaseModule):
    """Maps image tokens and delta tokens to the decoder's width.

    Built with ``image_channels``, ``delta_channels`` and ``out_channels``
    injected by ``OneDiff``. ``forward(image_tokens, delta_tokens)`` takes
    ``(B, T_img, image_channels)`` (or None: no image tokens) and
    ``(B, N_delta, delta_channels)`` and returns the decoder's visual prefix
    ``(B, T_img + N_delta, out_channels)``.
    """
    component_kind = 'projector'


class BaseDecoder(BaseModule):
    """Language decoder conditioned on a visual prefix.

    ``embed_dims`` is the prefix width it takes. ``loss(visual_tokens,
    data_samples)`` returns a dict of losses (teacher forcing).
    ``predict(visual_tokens, data_samples, num_beams=None, max_length=None)``
    returns a :class:`DecoderOutput`; ``num_beams`` and ``max_length`` of
    None mean the decoder's configured values (its ``num_beams`` and
    ``max_length`` attributes), so a caller changes the decoding of one call
    without touching the decoder.
    """
    component_kind = 'decoder'

    def predict(self, visual_tokens, data_samples, num_beams=None,
                max_length=None):
        """:class:`DecoderOutput` for the batch."""
        raise NotImplementedError

    @classmethod
    def caption_tokenizer(cls, **cfg):
        """The tokenizer a decoder built from ``cfg`` would use, without
        building the network (``onediff data check`` measures captions with
        it before a long job).

        Returns None (this default: the check counts words) or an object
        with ``encode(text) -> list[int]`` and ``unk_id`` (the id of an
        unknown token; None where every text encodes).
        """
        return None


class BaseDeltaHead(BaseModule):
    """Auxiliary head on the delta tokens (optional part ``delta_head``).

    Built with ``in_channels`` (the delta module's ``out_channels``)
    injected by ``OneDiff``. ``loss(delta_tokens, data_samples)`` returns a
    dict of losses (keys with ``loss`` are summed into the training loss,
    the rest are logged).
    """
    component_kind = 'delta_head'


# ----------------------------------------------------------------- metric
class ReportMetric(BaseMetric):
    """A metric whose evaluation makes a report as well as its scores.

    A subclass implements :meth:`compute_report`, which returns a dict with
    at least ``metrics`` (the flat name -> value dict that
    :meth:`compute_metrics` gives mmengine's Evaluator) plus what else the
    metric reports (``scores``, ``per_type``, ``counts``, ...), and may
    override :meth:`write_outputs` to save it (``output_dir``). Nothing is
    kept on the metric after an evaluation: outside a Runner,
    :meth:`evaluate_report` returns the whole report.

    Args:
        collect_device (str): ``'cpu'`` or ``'gpu'``, for collecting results
            across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): key prefix of ``metrics``; None takes the
            class's ``default_prefix``.
        collect_dir (str, optional): tmp dir for collecting results on cpu.
    """
    component_kind = 'metric'

    def compute_report(self, results):
        """Scores and report of all collected results.

        Args:
            results (list): the processed samples of every rank.

        Returns:
            dict: ``metrics`` (name without prefix -> value) and the
            metric's other report entries.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement compute_report()')

    def write_outputs(self, report, results):
        """Save a report (e.g. to ``output_dir``); nothing by default.

        Args:
            report (dict): what :meth:`compute_report` returned.
            results (list): the results it was computed from.
        """

    def _report(self, results):
        report = self.compute_report(results)
        if not isinstance(report, dict) or not isinstance(
                report.get('metrics'), dict):
            raise contract_violation(
                self, 'metric', f'returned {type(report).__name__} from '
                'compute_report')
        self.write_outputs(report, results)
        return report

    def compute_metrics(self, results):
        """The ``metrics`` of :meth:`compute_report`, after saving it."""
        return self._report(results)['metrics']

    def evaluate_report(self, size):
        """As :meth:`evaluate`, but return the whole report.

        Collects the results of every rank, computes and saves the report on
        the main process, prefixes its ``metrics`` keys and broadcasts it.

        Args:
            size (int): number of samples of the whole evaluation set.

        Returns:
            dict: the report of :meth:`compute_report` with prefixed
            ``metrics``.
        """
        if self.collect_device == 'cpu':
            results = collect_results(self.results, size, 'cpu',
                                      tmpdir=self.collect_dir)
        else:
            results = collect_results(self.results, size,
                                      self.collect_device)
        report = [None]
        if is_main_process():
            report[0] = self._report(results)
            if self.prefix:
                report[0]['metrics'] = {
                    f'{self.prefix}/{k}': v
                    for k, v in report[0]['metrics'].items()
                }
        broadcast_object_list(report)
        self.results.clear()
        return report[0]


# ---------------------------------------------------------------- dataset
DEFAULT_PROMPT = 'Describe the difference between the two images.'


def merge_prompt_args(prompts, task_prompts, owner):
    """``prompts``, or the older argument name ``task_prompts``.

    Args:
        prompts (dict, optional): task -> prompt.
        task_prompts (dict, optional): the same under its former name (kept
            so that configs written for 0.1 still build).
        owner (str): the dataset class, named in the error.

    Raises:
        ValueError: both are given.
    """
    if prompts is not None and task_prompts is not None:
        raise ValueError(f'{owner}: give prompts= or its former name '
                         'task_prompts=, not both')
    return dict((prompts if prompts is not None else task_prompts) or {})


class PromptedDatasetMixin:
    """Task prompts of a pair dataset (mixed into an mmengine
    ``BaseDataset``).

    A pair dataset says which prompt the decoder gets for each task
    (``prompts``, given once in the dataset config) and how an item becomes
    model inputs (``pipeline``, mmengine's Compose). ``DiffCaptioner``
    builds the config's test dataset with ``lazy_init=True`` (no manifest
    read) and reuses both, so captioning prepares images and prompts
    exactly as testing does.

    Attributes:
        prompts (dict[str, str]): task -> prompt given to the decoder.
        default_prompt (str): prompt of a task not in ``prompts``.
        pipeline (Compose): the transforms an item goes through; its loading
            step takes ``before_img``/``after_img`` in-memory images as well
            as ``before_path``/``after_path`` files (``LoadImagePair``).
    """
    component_kind = 'dataset'

    def _init_prompts(self, prompts, default_prompt=DEFAULT_PROMPT,
                      task_prompts=None):
        self.prompts = merge_prompt_args(prompts, task_prompts,
                                         type(self).__name__)
        self.default_prompt = default_prompt

    @property
    def task_prompts(self):
        """``prompts`` under its former name."""
        return self.prompts

    def prompt_for(self, task):
        """The prompt of ``task`` (``default_prompt`` if it has none)."""
        return self.prompts.get(task, self.default_prompt)

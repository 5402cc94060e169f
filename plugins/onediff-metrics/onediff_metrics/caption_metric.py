"""CaptionMetric: BLEU-1..4, METEOR, ROUGE-L, CIDEr (and SPICE) of captions."""
from collections import OrderedDict

from mmengine.logging import print_log

from onediff_kit.contracts import ReportMetric
from onediff_kit.registry import METRICS

from .per_type import group_by_change_type
from .protocols import clevr_change_groups, get_protocol
from .scorers import DEFAULT_METRICS, CaptionScorer

# How many offending ids an error or warning names.
_SHOW = 5


def _field(sample, key, default=None):
    # DiffDataSample (metainfo or data field) and plain dicts both have .get.
    value = sample.get(key, default)
    return default if value is None else value


def _ids(ids):
    more = f' and {len(ids) - _SHOW} more' if len(ids) > _SHOW else ''
    return ', '.join(repr(i) for i in ids[:_SHOW]) + more


@METRICS.register_module()
class CaptionMetric(ReportMetric):
    """Caption metrics of coco-caption, for image difference captioning.

    Each pair's hypothesis (``pred_caption``) is scored against all of its
    reference captions (``captions``) after PTB tokenisation, with
    pycocoevalcap's scorers called directly (never ``COCOEvalCap``, whose
    SPICE downloads CoreNLP). Keys are ``caption/BLEU-1`` ..
    ``caption/BLEU-4``, ``caption/METEOR``, ``caption/ROUGE-L``,
    ``caption/CIDEr`` (and ``caption/SPICE``); where samples carry
    ``change_type``, also ``caption/<type>/<metric>`` per type, CIDEr with
    document frequencies from the whole set. A benchmark ``protocol``
    (:mod:`onediff_metrics.protocols`) changes the groups and how they are
    scored, the CIDEr variants and the references, to match how that
    benchmark's peers score it. The protocol line, which starts with the
    protocol's name, is logged and returned with the scores by
    :meth:`compute_report` (and saved in ``output_dir``).

    Args:
        metrics (Sequence[str]): any of ``'BLEU'``, ``'METEOR'``,
            ``'ROUGE-L'``, ``'CIDEr'``, ``'SPICE'``. Drop ``'METEOR'`` (and
            use ``tokenizer='simple'``) where Java is missing.
        protocol (str): ``'coco'`` (default: per change type where given,
            CIDEr-D), ``'clevr-change-duda'``, ``'spot-the-diff-merged'``,
            ``'ier-nct'``, ``'birds-to-words'`` or ``'clevr-dc-dirl'``;
            see docs/benchmarks.md.
        cider_variant (str | Sequence[str], optional): ``'CIDEr-D'``
            (pycocoevalcap's Cider, the number papers report) or
            ``'CIDEr'`` (original), or both; None (default) takes the
            protocol's (CIDEr-D, and both for Birds-to-Words).
        spice (bool | str): ``'auto'`` (default) runs SPICE only where
            Stanford CoreNLP is installed, otherwise logs once that it is
            skipped; True requires it; False never runs it.
        tokenizer (str): ``'ptb'`` (default) or ``'simple'`` (no Java).
        per_type (bool): add the protocol's groups (per change type where
            samples carry ``change_type``). Defaults to True.
        java (str): the Java executable. Defaults to ``'java'``.
        output_dir (str, optional): if set, each evaluation writes the
            predictions (COCO results format), the scores (JSON) and a
            markdown table there, see
            :func:`onediff_kit.evaluation.report.write_report`.
        file_prefix (str): prefix of those file names. Defaults to ``''``.
        predictions_file (str, optional): if set, each evaluation also
            writes the predictions (COCO results format) to this file.
        collect_device (str): ``'cpu'`` or ``'gpu'``, for collecting results
            across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): key prefix. Defaults to ``'caption'``.
        collect_dir (str, optional): tmp dir for collecting results on cpu.
    """
    default_prefix = 'caption'

    def __init__(self,
                 metrics=DEFAULT_METRICS,
                 protocol='coco',
                 cider_variant=None,
                 spice='auto',
                 tokenizer='ptb',
                 per_type=True,
                 java='java',
                 output_dir=None,
                 file_prefix='',
                 predictions_file=None,
                 collect_device='cpu',
                 prefix=None,
                 collect_dir=None):
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.benchmark_protocol = get_protocol(protocol)
        if cider_variant is None:
            cider_variant = self.benchmark_protocol.cider_variants
        self.scorer = CaptionScorer(
            metrics=metrics,
            cider_variant=cider_variant,
            spice=spice,
            tokenizer=tokenizer,
            java=java)
        self.per_type = per_type
        self.output_dir = output_dir
        self.file_prefix = file_prefix
        self.predictions_file = predictions_file

    @property
    def protocol(self):
        """One line saying how the scores are computed."""
        return f'{self.benchmark_protocol.describe()}; {self.scorer.protocol}'

    def process(self, data_batch, data_samples):
        """Keep each sample's id, prediction and references as plain python.

        Args:
            data_batch: unused.
            data_samples (Sequence[DiffDataSample | dict]): the model's
                predict outputs, with ``pair_id``, ``pred_caption`` and
                ``captions`` (optional ``change_type``, ``task``).
        """
        for sample in data_samples:
            pair_id = _field(sample, 'pair_id')
            if pair_id is None:
                raise ValueError(
                    'CaptionMetric got a data sample without "pair_id"; '
                    f'its keys: {sorted(sample.keys())}')
            pred = _field(sample, 'pred_caption')
            if pred is None:
                raise ValueError(
                    f'CaptionMetric: sample {pair_id!r} has no '
                    '"pred_caption"; is the model in predict mode?')
            refs = _field(sample, 'captions')
            if refs is None:
                raise ValueError(
                    f'CaptionMetric: sample {pair_id!r} has no reference '
                    '"captions"')
            if isinstance(refs, str):
                refs = [refs]
            change_type = _field(sample, 'change_type')
            result = dict(
                pair_id=str(pair_id),
                pred_caption=str(pred),
                captions=[str(c) for c in refs],
                change_type=None if change_type is None else str(change_type),
                task=_field(sample, 'task'))
            merge_by = self.benchmark_protocol.merge_by
            if merge_by:  # plain strings: results travel between ranks
                result['pair_key'] = '\t'.join(
                    str(_field(sample, k, pair_id)) for k in merge_by)
            self.results.append(result)

    def _merge(self, results):
        """One result per image pair, with every member's references."""
        merged = OrderedDict()
        differ = 0
        for r in results:
            first = merged.get(r['pair_key'])
            if first is None:
                merged[r['pair_key']] = dict(r, captions=list(r['captions']))
                continue
            first['captions'] += r['captions']
            differ += r['pred_caption'] != first['pred_caption']
        if differ:
            print_log(
                f'CaptionMetric: {differ} merged entries had another '
                'prediction than the first entry of their image pair; the '
                'first one is scored', logger='current', level=30)
        return list(merged.values()), len(results) - len(merged)

    def _check(self, results):
        """Raise on duplicates and unscorable pairs; count soft problems."""
        counts = OrderedDict(pairs=len(results))
        warnings = []
        seen, dups = set(), []
        for r in results:
            if r['pair_id'] in seen and r['pair_id'] not in dups:
                dups.append(r['pair_id'])
            seen.add(r['pair_id'])
        if dups:
            raise ValueError(
                f'CaptionMetric: {len(dups)} pair ids occur more than once '
                f'among the predictions: {_ids(dups)}; each pair must be '
                'predicted once (duplicate records in the dataset?)')
        no_refs = [r['pair_id'] for r in results if not r['captions']]
        if no_refs:
            raise ValueError(
                f'CaptionMetric: {len(no_refs)} pairs have no reference '
                f'caption: {_ids(no_refs)}')
        empty_preds = [
            r['pair_id'] for r in results if not r['pred_caption'].strip()
        ]
        counts['empty_predictions'] = len(empty_preds)
        if empty_preds:
            warnings.append(
                f'{len(empty_preds)} of {len(results)} predictions are empty '
                f'and are scored as empty captions: {_ids(empty_preds)}')
        # Kept, as pycocoevalcap keeps them: published numbers (e.g. the
        # Spot-the-Diff test set, 7 pairs) include such references.
        empty_refs = [
            r['pair_id'] for r in results
            if not any(c.strip() for c in r['captions'])
        ]
        counts['pairs_with_only_empty_references'] = len(empty_refs)
        if empty_refs:
            warnings.append(
                f'{len(empty_refs)} pairs have only empty reference captions '
                'and are scored against an empty reference, as pycocoevalcap '
                f'does: {_ids(empty_refs)}')
        non_ascii = sum(not (r['pred_caption'].isascii() and all(
            c.isascii() for c in r['captions'])) for r in results)
        counts['non_ascii_pairs'] = non_ascii
        return counts, warnings

    def compute_report(self, results):
        """Score all collected results.

        Args:
            results (list[dict]): the processed samples of every rank.

        Returns:
            dict: ``metrics`` (metric name without prefix -> score, per
            group as ``<group>/<name>``), ``protocol``, ``scores`` (the
            overall ones), ``per_type`` (group -> ``n`` and scores),
            ``counts``, ``warnings`` and ``predictions`` (COCO results
            format, one per scored pair).
        """
        if not results:
            raise ValueError(
                'CaptionMetric got no predictions to score (empty '
                'evaluation set, or process() never received samples)')
        protocol = self.benchmark_protocol
        merged_entries = 0
        if protocol.merge_by:
            results, merged_entries = self._merge(results)
        counts, warnings = self._check(results)
        if protocol.merge_by:
            counts['merged_entries'] = merged_entries
        for w in warnings:
            print_log(f'CaptionMetric: {w}', logger='current', level=30)
        self.scorer.log_skipped()
        print_log(
            f'CaptionMetric protocol: {self.protocol}', logger='current')
        refs = [r['captions'] for r in results]
        if protocol.reference_filter is not None:
            refs = [[protocol.reference_filter.sub('', c) for c in caps]
                    for caps in refs]
        groups = self._groups([r['change_type'] for r in results])
        scored = self.scorer.score([r['pred_caption'] for r in results],
                                   refs, groups,
                                   group_corpus=protocol.group_corpus)
        metrics = OrderedDict(scored['overall'])
        per_type = OrderedDict()
        for group, scores in scored['groups'].items():
            per_type[group] = OrderedDict(n=len(groups[group]), **scores)
            for name, value in scores.items():
                metrics[f'{group}/{name}'] = value
        return dict(
            metrics=metrics,
            protocol=self.protocol,
            scores=OrderedDict(scored['overall']),
            per_type=per_type,
            counts=counts,
            warnings=warnings,
            predictions=[
                dict(image_id=r['pair_id'], caption=r['pred_caption'])
                for r in results
            ])

    def _groups(self, types):
        """The protocol's groups (name -> indices) of the change types."""
        if self.per_type and self.benchmark_protocol.groups == 'change_type':
            return group_by_change_type(types)
        if self.per_type and self.benchmark_protocol.groups == 'clevr_change':
            return clevr_change_groups(types)
        return {}

    def write_outputs(self, report, results):
        """Write the predictions and the report where configured.

        Args:
            report (dict): what :meth:`compute_report` returned.
            results (list[dict]): unused (the report has the predictions).
        """
        if self.predictions_file:
            from onediff_kit.evaluation.report import write_predictions
            write_predictions(self.predictions_file, report['predictions'])
        if self.output_dir:
            from onediff_kit.evaluation.report import write_report
            paths = write_report(
                self.output_dir,
                report['predictions'],
                report['scores'],
                report['protocol'],
                per_type=report['per_type'],
                counts=report['counts'],
                warnings=report['warnings'],
                file_prefix=self.file_prefix)
            print_log(
                f'CaptionMetric wrote {", ".join(paths.values())}',
                logger='current')

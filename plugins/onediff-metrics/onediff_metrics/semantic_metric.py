"""SemanticChangeMetric: does the caption name the right change?"""
import json
import os
import os.path as osp
from collections import OrderedDict

from mmengine.logging import print_log

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.contracts import ReportMetric
from onediff_kit.registry import METRICS

from .change_parser import ATTRIBUTES, UNKNOWN, ChangeCaptionParser

NEW_VALUE_TYPES = ('color', 'material')


def _ratio(num, den):
    return float(num) / den if den else 0.0


@METRICS.register_module()
class SemanticChangeMetric(ReportMetric):
    """Semantic accuracy of captions on synthetic pairs with scene truth.

    Each predicted caption is parsed (:class:`ChangeCaptionParser`, built
    from the generator's vocabulary module) and compared with the pair's
    ``change_type`` and ``meta`` (``changed_object``, ``new``). Keys:

    * ``semantic/change_type_accuracy``: parsed type == true type (a caption
      that cannot be parsed counts as ``unknown``, i.e. wrong).
    * ``semantic/attribute_accuracy``: of the attributes (size, color,
      material, shape) a caption gives the changed object, the share that
      match the object (before the change; after it for ``add``). Pooled
      over pairs with a changed object.
    * ``semantic/object_accuracy``: share of pairs with a changed object
      whose caption names at least one attribute and all of them right.
    * ``semantic/new_value_accuracy``: for color and material changes, the
      caption's new value == the true new value.
    * the same per true change type, ``semantic/<type>/<name>``.

    The confusion matrix (true type -> parsed type -> count) and the counts
    are in the report (:meth:`compute_report`) and logged as a table.
    Samples without scene truth (no ``changed_object`` in ``meta`` for a
    type other than ``none``, e.g. real-photo pairs) are skipped and
    counted.

    Args:
        vocabulary (str, optional): a scene vocabulary file (JSON, a data
            set's own words, laid out as
            ``onediff_kit/data/scene_vocabulary.json``); None (default)
            reads that file, the synthetic scenes' words.
        output_dir (str, optional): if set, each evaluation writes
            ``semantic_scores.json`` (scores, per type, confusion, counts)
            and ``semantic_scores.md`` there.
        file_prefix (str): prefix of those file names. Defaults to ``''``.
        predictions_file (str, optional): if set, also write the
            predictions (COCO results format) there, as CaptionMetric does.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): key prefix. Defaults to ``'semantic'``.
        collect_dir (str, optional): tmp dir for collecting results on cpu.
    """
    default_prefix = 'semantic'

    def __init__(self,
                 vocabulary=None,
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
        self.parser = ChangeCaptionParser(load_scene_vocabulary(vocabulary))
        self.change_types = self.parser.change_types
        self.output_dir = output_dir
        self.file_prefix = file_prefix
        self.predictions_file = predictions_file

    def process(self, data_batch, data_samples):
        """Keep id, prediction, true type and the scene truth it needs.

        Args:
            data_batch: unused.
            data_samples (Sequence[DiffDataSample | dict]): predict outputs
                with ``pair_id``, ``pred_caption``, ``change_type`` and
                ``meta``.
        """
        for sample in data_samples:
            meta = sample.get('meta') or {}
            obj = meta.get('changed_object') or None
            if obj is not None:
                obj = {a: obj.get(a) for a in ATTRIBUTES}
            new = meta.get('new')
            self.results.append(
                dict(
                    pair_id=str(sample.get('pair_id')),
                    pred_caption=str(sample.get('pred_caption') or ''),
                    change_type=sample.get('change_type'),
                    changed_object=obj,
                    new=new if isinstance(new, str) else None))

    def compute_report(self, results):
        """Accuracies over all pairs and per true change type.

        Args:
            results (list[dict]): the processed samples of every rank.

        Returns:
            dict: ``metrics`` (name without prefix -> accuracy, per type as
            ``<type>/<name>``), ``scores`` (the overall ones), ``per_type``
            (type -> ``n`` and accuracies), ``confusion`` (true type ->
            parsed type -> count) and ``counts`` (``pairs``, ``skipped``).
        """
        usable = [
            r for r in results if r['change_type'] in self.change_types and (
                r['change_type'] == 'none' or r['changed_object'])
        ]
        skipped = len(results) - len(usable)
        if skipped:
            print_log(
                f'SemanticChangeMetric: {skipped} of {len(results)} samples '
                'have no synthetic scene truth and are skipped',
                logger='current',
                level=30)
        confusion, tallies = self._tally(usable)
        metrics = OrderedDict()
        per_type = OrderedDict()
        if 'all' in tallies:
            metrics.update(_scores(tallies['all']))
        for t in self.change_types:
            if t in tallies:
                per_type[t] = OrderedDict(n=tallies[t]['n'],
                                          **_scores(tallies[t]))
                for name, value in per_type[t].items():
                    if name != 'n':
                        metrics[f'{t}/{name}'] = value
        print_log(
            'SemanticChangeMetric confusion (rows: true, columns: parsed '
            'from the caption):\n' + format_confusion(confusion),
            logger='current')
        return dict(
            metrics=metrics,
            scores=OrderedDict((k, v) for k, v in metrics.items()
                               if '/' not in k),
            per_type=per_type,
            confusion=confusion,
            counts=dict(pairs=len(usable), skipped=skipped))

    def _tally(self, usable):
        """The confusion matrix and the counters of each group (``all`` and
        each true type) that the accuracies are ratios of."""
        labels = list(self.change_types) + [UNKNOWN]
        confusion = OrderedDict(
            (t, OrderedDict((p, 0) for p in labels))
            for t in self.change_types)
        tallies = OrderedDict()

        def add(group, key, value=1):
            tallies.setdefault(group, {}).setdefault(key, 0)
            tallies[group][key] += value

        for r in usable:
            truth = r['change_type']
            parsed = self.parser.parse(r['pred_caption'])
            confusion[truth][parsed['change_type']] += 1
            for g in ('all', truth):
                add(g, 'n')
                add(g, 'type_ok', parsed['change_type'] == truth)
                if r['changed_object']:
                    named = parsed['attributes']
                    right = sum(r['changed_object'].get(a) == v
                                for a, v in named.items())
                    add(g, 'obj_pairs')
                    add(g, 'attrs_named', len(named))
                    add(g, 'attrs_right', right)
                    add(g, 'obj_ok', bool(named) and right == len(named))
                if truth in NEW_VALUE_TYPES and r['new'] is not None:
                    add(g, 'new_pairs')
                    add(g, 'new_ok', parsed['new'] == r['new'])
        return confusion, tallies

    def write_outputs(self, report, results):
        """Write the predictions and the report where configured.

        Args:
            report (dict): what :meth:`compute_report` returned.
            results (list[dict]): the processed samples (their captions are
                the predictions).
        """
        if self.predictions_file:
            from onediff_kit.evaluation.report import write_predictions
            write_predictions(self.predictions_file, [
                dict(image_id=r['pair_id'], caption=r['pred_caption'])
                for r in results
            ])
        if self.output_dir:
            self._write({k: v for k, v in report.items() if k != 'metrics'})

    def _write(self, report):
        from onediff_kit.evaluation.report import format_table
        os.makedirs(self.output_dir, exist_ok=True)
        stem = osp.join(self.output_dir, f'{self.file_prefix}semantic_scores')
        with open(stem + '.json', 'w', encoding='utf-8') as f:
            json.dump(report, f, indent=2)
        with open(stem + '.md', 'w', encoding='utf-8') as f:
            f.write('# Semantic change accuracy\n\n')
            f.write(format_table(report['scores'], report['per_type'],
                                 n=report['counts']['pairs']) + '\n\n')
            f.write('Confusion (rows: true type, columns: type parsed from '
                    'the caption):\n\n```\n' +
                    format_confusion(report['confusion']) + '\n```\n')


def _scores(t):
    """Accuracies of one group's counters (see ``_tally``)."""
    out = OrderedDict(
        change_type_accuracy=_ratio(t.get('type_ok', 0), t['n']))
    if t.get('obj_pairs'):
        out['attribute_accuracy'] = _ratio(
            t.get('attrs_right', 0), t.get('attrs_named', 0))
        out['object_accuracy'] = _ratio(t.get('obj_ok', 0), t['obj_pairs'])
    if t.get('new_pairs'):
        out['new_value_accuracy'] = _ratio(
            t.get('new_ok', 0), t['new_pairs'])
    return out


def format_confusion(confusion):
    """A confusion matrix (true -> predicted -> count) as a text table."""
    labels = list(next(iter(confusion.values()))) if confusion else []
    width = max([len(x) for x in labels + list(confusion)] + [5])
    lines = [' ' * width + ' ' + ' '.join(f'{x:>{width}}' for x in labels)]
    for truth, row in confusion.items():
        lines.append(f'{truth:>{width}} ' +
                     ' '.join(f'{row[x]:>{width}}' for x in labels))
    return '\n'.join(lines)

"""Evaluation core: prediction and reference files, reports, scoring.

The metrics themselves are components (``CaptionMetric`` and others in the
onediff-metrics plugin); this package re-exports their contract
(:class:`~onediff_kit.contracts.ReportMetric`: a metric returns its report)
and builds them through the registry.
"""
from onediff_kit.contracts import ReportMetric
from .inputs import (EvaluationInputError, load_predictions, load_references,
                     match_predictions)
from .report import (format_table, split_metric_keys, write_predictions,
                     write_report)
from .score import (build_metric, score_files, score_samples,
                    score_semantic)

__all__ = [
    'EvaluationInputError', 'load_predictions', 'load_references',
    'match_predictions', 'format_table', 'split_metric_keys',
    'write_predictions', 'write_report', 'ReportMetric',
    'build_metric', 'score_files', 'score_samples', 'score_semantic'
]

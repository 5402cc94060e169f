"""Evaluation core: prediction and reference files, reports, scoring.

The caption metric itself is a component (``CaptionMetric`` in the
onediff-metrics plugin); this package builds it through the registry.
"""
from .inputs import (EvaluationInputError, load_predictions, load_references,
                     match_predictions)
from .report import (format_table, split_metric_keys, write_predictions,
                     write_report)
from .score import (build_metric, score_files, score_samples,
                    score_semantic)

__all__ = [
    'EvaluationInputError', 'load_predictions', 'load_references',
    'match_predictions', 'format_table', 'split_metric_keys',
    'write_predictions', 'write_report',
    'build_metric', 'score_files', 'score_samples', 'score_semantic'
]

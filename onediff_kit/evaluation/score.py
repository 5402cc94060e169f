"""Scoring samples or files outside a Runner, with the registered metric."""
from .inputs import load_predictions, load_references, match_predictions


def build_metric(name, **cfg):
    """Build a registered metric (from whichever plugin registers it).

    Args:
        name (str): its registered name.
        **cfg: its arguments.
    """
    from onediff_kit.registry import METRICS
    if METRICS.get(name) is None:
        raise RuntimeError(f'no metric "{name}" is registered' +
                           _missing_metrics_hint())
    return METRICS.build(dict(type=name, **cfg))


def metric_name_for(prefix):
    """The registered metric that declares ``default_prefix = prefix``.

    A metric's prefix says what it measures (``'caption'`` for caption
    scores, ``'semantic'`` for semantic change accuracy), so scoring outside
    a Runner finds its metric in whichever plugin registers one.

    Args:
        prefix (str): the metric's ``default_prefix``.

    Raises:
        RuntimeError: no registered metric, or several, declare it.
    """
    from onediff_kit.registry import METRICS
    METRICS.import_from_location()
    names = sorted(name for name, cls in METRICS.module_dict.items()
                   if getattr(cls, 'default_prefix', None) == prefix)
    needs = ('scoring needs one registered metric with default_prefix '
             f'"{prefix}"')
    if not names:
        raise RuntimeError(f'{needs}, found none' + _missing_metrics_hint())
    if len(names) > 1:
        raise RuntimeError(f'{needs}, found several: {", ".join(names)}')
    return names[0]


def _missing_metrics_hint():
    from onediff_kit.plugin_status import PLUGIN_ERRORS
    return ('; the onediff-metrics plugin comes with onediff-kit (pip '
            'install .): is it installed, and not named in '
            'ONEDIFF_DISABLE_PLUGINS?' +
            (f' Plugin errors: {PLUGIN_ERRORS}' if PLUGIN_ERRORS else ''))


def score_samples(samples, **cfg):
    """Score samples (dicts with ``pair_id``, ``pred_caption``, ``captions``).

    Args:
        samples (list[dict]): e.g. from :func:`match_predictions`.
        **cfg: arguments of the caption metric (the registered metric
            with ``default_prefix = 'caption'``).

    Returns:
        dict: ``metrics`` (the flat ``caption/...`` dict) and the metric's
        report: ``scores``, ``per_type``, ``counts``, ``protocol``,
        ``warnings``.
    """
    metric = build_metric(metric_name_for('caption'), **cfg)
    metric.process(None, samples)
    report = metric.evaluate_report(len(samples))
    report.pop('predictions', None)
    return report


def score_semantic(samples, **cfg):
    """Semantic change accuracy of samples that carry scene truth in meta.

    Args:
        samples (list[dict]): with ``pair_id``, ``pred_caption``,
            ``change_type`` and ``meta``.
        **cfg: arguments of the registered metric with
            ``default_prefix = 'semantic'``.

    Returns:
        dict: ``metrics`` (flat ``semantic/...``) and the metric's report:
        ``scores``, ``per_type``, ``confusion``, ``counts``.
    """
    metric = build_metric(metric_name_for('semantic'), **cfg)
    metric.process(None, samples)
    return metric.evaluate_report(len(samples))


def score_files(preds,
                refs,
                split=None,
                allow_missing=False,
                semantic=False,
                **cfg):
    """Score a COCO results file against a manifest or COCO ground truth.

    Args:
        preds (str): prediction file, ``[{"image_id", "caption"}]``.
        refs (str): manifest (JSONL) or COCO caption ground truth.
        split (str, optional): score only this split of a manifest.
        allow_missing (bool): score only predicted pairs instead of failing
            on references without a prediction.
        semantic (bool): also compute :func:`score_semantic` (synthetic
            manifests with scene truth), under the key ``semantic``.
        **cfg: arguments of the caption metric, as for
            :func:`score_samples`.

    Returns:
        dict: as :func:`score_samples`; the warnings include the matching
        ones.
    """
    samples, warnings = match_predictions(
        load_predictions(preds), load_references(refs), split,
        allow_missing)
    result = score_samples(samples, **cfg)
    result['warnings'] = warnings + result['warnings']
    if semantic:
        result['semantic'] = score_semantic(samples)
    return result

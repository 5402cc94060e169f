"""Contract check of a metric: it returns its report and keeps none."""
from onediff_kit.contracts import ReportMetric
from onediff_kit.registry import METRICS

# What OneDiff.predict leaves on two samples of the synthetic scenes; a
# metric that needs other fields is checked with samples of its own.
SAMPLES = [
    dict(pair_id=str(i), pred_caption=cap, captions=[ref],
         change_type='drop', meta=dict(changed_object=dict(
             size='small', color='red', material='metal', shape='cube'),
             box_before=[0.1, 0.1, 0.5, 0.5]))
    for i, (cap, ref) in enumerate([
        ('the small red metal cube is gone', 'the red cube is gone'),
        ('a red cube has been added', 'the small red cube was removed'),
    ])
]


def check_metric(cfg, samples=SAMPLES):
    """Check a :class:`~onediff_kit.contracts.ReportMetric`.

    Its report holds the ``metrics`` that ``compute_metrics`` gives,
    ``evaluate_report`` prefixes them and clears the results, and an
    evaluation leaves no new attribute on the metric.

    Args:
        cfg (dict): the metric's config (``type``: registered name or
            class).
        samples (list[dict]): what ``process`` gets as ``data_samples``.
    """
    metric = METRICS.build(dict(cfg))
    name = type(metric).__name__
    assert isinstance(metric, ReportMetric), \
        f'{name} is not a onediff_kit.contracts.ReportMetric'
    before = set(vars(metric))
    metric.process(None, [dict(s) for s in samples])
    results = list(metric.results)
    report = metric.compute_report(results)
    assert isinstance(report, dict) and isinstance(
        report.get('metrics'), dict), \
        f'{name}.compute_report returned no metrics dict: {report!r}'
    assert metric.compute_metrics(results) == report['metrics']
    full = metric.evaluate_report(len(samples))
    prefix = metric.prefix
    assert full['metrics'] == {f'{prefix}/{k}': v
                               for k, v in report['metrics'].items()}, \
        f'{name}.evaluate_report: {full["metrics"]!r}'
    assert metric.results == [], f'{name}: results left after evaluation'
    metric.process(None, [dict(s) for s in samples])
    metric.evaluate(len(samples))
    kept = sorted(set(vars(metric)) - before)
    assert not kept, f'{name} keeps {kept} from an evaluation'

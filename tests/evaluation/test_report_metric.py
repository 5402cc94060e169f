"""The metric contract: a metric returns its report and keeps none."""
import pytest

import onediff_kit
from onediff_kit.evaluation import ReportMetric
from onediff_kit.registry import METRICS

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
CONFIGS = dict(
    CaptionMetric=dict(metrics=('BLEU', 'ROUGE-L', 'CIDEr'), spice=False,
                       tokenizer='simple'),
    SemanticChangeMetric=dict(),
    PointingGameMetric=dict())


def _report_metrics():
    """Every registered metric that declares the report contract."""
    onediff_kit.init()  # the plugins register the metrics (conftest did)
    names = [name for name, cls in METRICS.module_dict.items()
             if issubclass(cls, ReportMetric)]
    assert {'CaptionMetric', 'SemanticChangeMetric',
            'PointingGameMetric'} <= set(names)
    return names


@pytest.mark.parametrize('name', _report_metrics())
def test_metrics_are_the_reports_and_nothing_is_kept(name, tmp_path):
    metric = METRICS.build(dict(type=name, **CONFIGS.get(name, {})))
    metric.process(None, [dict(s) for s in SAMPLES])
    results = list(metric.results)
    report = metric.compute_report(results)
    assert isinstance(report['metrics'], dict)
    assert metric.compute_metrics(results) == report['metrics']
    full = metric.evaluate_report(len(SAMPLES))
    prefix = metric.prefix
    assert full['metrics'] == {f'{prefix}/{k}': v
                               for k, v in report['metrics'].items()}
    assert metric.results == []  # cleared as evaluate() clears them
    assert not hasattr(metric, 'last_report')
    before = dict(vars(metric))
    metric.process(None, [dict(s) for s in SAMPLES])
    metric.evaluate(len(SAMPLES))
    assert set(vars(metric)) == set(before)  # nothing stored by evaluate


def test_a_metric_without_compute_report_says_so():
    class NoReport(ReportMetric):
        default_prefix = 'x'

        def process(self, data_batch, data_samples):
            self.results.extend(data_samples)

    with pytest.raises(NotImplementedError, match='NoReport'):
        NoReport().compute_metrics([1])

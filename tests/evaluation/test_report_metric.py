"""The metric contract: a metric returns its report and keeps none
(``onediff_kit.testing.check_metric`` on every registered ReportMetric)."""
import pytest

import onediff_kit
from onediff_kit.contracts import ContractError
from onediff_kit.evaluation import ReportMetric
from onediff_kit.registry import METRICS
from onediff_kit.testing import check_component, check_metric

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
def test_metrics_are_the_reports_and_nothing_is_kept(name):
    check_component(dict(type=name, **CONFIGS.get(name, {})))


class CollectsSamples(ReportMetric):
    """A metric that collects its samples and makes no report itself."""
    default_prefix = 'x'

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)


def test_the_kit_names_a_metric_that_keeps_its_report():
    class KeepsReport(CollectsSamples):
        def compute_report(self, results):
            self.last_report = dict(metrics=dict(n=len(results)))
            return self.last_report

    with pytest.raises(AssertionError, match='KeepsReport keeps'):
        check_metric(dict(type=KeepsReport))


def test_a_report_without_metrics_is_a_contract_error():
    class NoMetrics(CollectsSamples):
        def compute_report(self, results):
            return dict(scores=[1])

    with pytest.raises(ContractError, match='NoMetrics returned dict from '
                       'compute_report; a metric has compute_report'):
        NoMetrics().compute_metrics([1])


def test_a_metric_without_compute_report_says_so():
    with pytest.raises(NotImplementedError, match='CollectsSamples'):
        CollectsSamples().compute_metrics([1])

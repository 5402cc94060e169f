"""Scoring outside a Runner finds its metric by the prefix it declares."""
import pytest

from onediff_kit.evaluation.score import metric_name_for
from onediff_kit.registry import METRICS


@pytest.mark.parametrize('prefix', ['caption', 'semantic'])
def test_the_metric_of_a_prefix_declares_it(prefix):
    assert METRICS.get(metric_name_for(prefix)).default_prefix == prefix


def test_a_prefix_no_metric_declares_is_an_error():
    with pytest.raises(RuntimeError, match='default_prefix "nothing", found '
                       'none'):
        metric_name_for('nothing')


def test_a_prefix_two_metrics_declare_is_an_error():
    caption = METRICS.get(metric_name_for('caption'))
    METRICS.register_module(name='SecondCaptionMetric',
                            module=type('SecondCaptionMetric', (caption, ),
                                        {}))
    try:
        with pytest.raises(RuntimeError, match='found several'):
            metric_name_for('caption')
    finally:
        METRICS.module_dict.pop('SecondCaptionMetric')

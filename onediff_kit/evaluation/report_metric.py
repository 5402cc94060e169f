"""The metric contract: a metric that makes a report returns it."""
from mmengine.dist import broadcast_object_list, collect_results, \
    is_main_process
from mmengine.evaluator import BaseMetric


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

    def compute_metrics(self, results):
        """The ``metrics`` of :meth:`compute_report`, after saving it."""
        report = self.compute_report(results)
        self.write_outputs(report, results)
        return report['metrics']

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
            report[0] = self.compute_report(results)
            self.write_outputs(report[0], results)
            if self.prefix:
                report[0]['metrics'] = {
                    f'{self.prefix}/{k}': v
                    for k, v in report[0]['metrics'].items()
                }
        broadcast_object_list(report)
        self.results.clear()
        return report[0]

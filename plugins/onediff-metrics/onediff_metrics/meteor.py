"""METEOR 1.5 through pycocoevalcap's jar, one Java process per evaluation.

:class:`MeteorProcess` reuses ``pycocoevalcap.meteor.meteor.Meteor`` (its
command line and its ``SCORE`` request) and adds what an evaluation with
subsets needs: the per-segment sufficient statistics are computed once, and
``EVAL`` is then asked for the whole set and for every subset on the same
process, so a subset gets METEOR's own corpus-level aggregate, as if it had
been scored alone, without a second Java start.
"""
import os
import subprocess
import tempfile
import threading

from pycocoevalcap.meteor import meteor as _meteor

from .java import find_java

METEOR_JAR = os.path.join(
    os.path.dirname(os.path.abspath(_meteor.__file__)), _meteor.METEOR_JAR)


def _clean(text):
    # '|||' separates fields in METEOR's stdio protocol.
    return ' '.join(text.replace('|||', ' ').split())


class MeteorProcess(_meteor.Meteor):
    """A running METEOR scorer; use as a context manager.

    Args:
        java (str): the Java executable.
        max_heap (str): the JVM's -Xmx (pycocoevalcap uses ``'2G'``).
    """

    def __init__(self, java='java', max_heap='2G'):
        java_path = find_java(java, needed_by='METEOR')
        # stderr goes to a file: an unread pipe could fill up and hang Java.
        self._stderr = tempfile.TemporaryFile()
        self.meteor_cmd = [
            java_path, '-Dfile.encoding=UTF-8', '-jar', f'-Xmx{max_heap}',
            METEOR_JAR, '-', '-', '-stdio', '-l', 'en', '-norm'
        ]
        self.meteor_p = subprocess.Popen(
            self.meteor_cmd,
            cwd=os.path.dirname(METEOR_JAR),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr)
        self.lock = threading.Lock()
        self._closed = False

    def _error(self, what):
        self._stderr.seek(0)
        err = self._stderr.read().decode('utf-8', 'replace').strip()
        return RuntimeError(
            f'METEOR ({METEOR_JAR}) stopped while {what}; Java said: '
            f'{err[-2000:] or "(nothing)"}')

    def _readline(self, what):
        line = self.meteor_p.stdout.readline()
        if not line:
            raise self._error(what)
        return line.decode('utf-8', 'replace').strip()

    def segment_stats(self, hypotheses, references):
        """METEOR's sufficient statistics of each segment.

        Args:
            hypotheses (list[str]): one tokenised hypothesis per segment.
            references (list[list[str]]): the tokenised references of each.

        Returns:
            list[str]: one statistics line per segment, for :meth:`evaluate`.
        """
        stats = []
        with self.lock:
            try:
                for hyp, refs in zip(hypotheses, references):
                    line = ' ||| '.join(
                        ['SCORE'] + [_clean(r) for r in refs] + [_clean(hyp)])
                    self.meteor_p.stdin.write(f'{line}\n'.encode('utf-8'))
                    self.meteor_p.stdin.flush()
                    stats.append(self._readline('scoring a segment'))
            except BrokenPipeError:
                raise self._error('scoring a segment') from None
        return stats

    def evaluate(self, stats):
        """Corpus METEOR and per-segment scores from statistics lines.

        Args:
            stats (list[str]): lines from :meth:`segment_stats`.

        Returns:
            tuple[float, list[float]]: the corpus score and segment scores.
        """
        if not stats:
            return 0.0, []
        with self.lock:
            try:
                self.meteor_p.stdin.write(
                    ('EVAL ||| ' + ' ||| '.join(stats) + '\n').encode('utf-8'))
                self.meteor_p.stdin.flush()
            except BrokenPipeError:
                raise self._error('aggregating') from None
            scores = [
                float(self._readline('aggregating')) for _ in range(len(stats))
            ]
            score = float(self._readline('aggregating'))
        return score, scores

    def close(self):
        """Stop the Java process (idempotent)."""
        if getattr(self, '_closed', True):
            return
        self._closed = True
        try:
            self.meteor_p.stdin.close()
        except OSError:
            pass
        self.meteor_p.kill()
        self.meteor_p.wait()
        self._stderr.close()

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

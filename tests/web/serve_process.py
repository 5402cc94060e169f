"""``onediff serve`` as the user runs it: a subprocess on a free loopback
port, with a temporary folder (``TMPDIR``) of its own that the tests look
into after it stops."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

# Starting the server imports torch, mmengine and gradio: about 10 s on an
# idle 2-core machine, and over 50 s was seen on a busy one.
START_TIMEOUT = 240
STOP_TIMEOUT = 60


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class ServeProcess:
    """``onediff serve`` of the tiny model in a subprocess.

    Args:
        tiny (dict): the tiny model's ``config`` and ``checkpoint``.
        folder (Path): holds ``tmp/`` (the server's ``TMPDIR``) and
            ``serve.log`` (its stdout and stderr).
        examples (int): example pairs on the page.
    """

    def __init__(self, tiny, folder, examples=2):
        self.tmp = folder / 'tmp'
        self.tmp.mkdir()
        self.log = folder / 'serve.log'
        port = free_port()
        self.url = f'http://127.0.0.1:{port}'
        env = dict(os.environ, OMP_NUM_THREADS='1', TMPDIR=str(self.tmp))
        env.pop('GRADIO_TEMP_DIR', None)
        with open(self.log, 'w') as out:
            self.proc = subprocess.Popen(
                [sys.executable, '-m', 'onediff_kit.cli.main', 'serve',
                 '--config', tiny['config'], '--checkpoint',
                 tiny['checkpoint'], '--device', 'cpu', '--host',
                 '127.0.0.1', '--port', str(port), '--examples',
                 str(examples)],
                stdout=out, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(self.url + '/api/info',
                                            timeout=2):
                    return
            except OSError:
                if (self.proc.poll() is not None
                        or time.monotonic() > deadline):
                    self.kill()
                    pytest.fail('onediff serve did not start:\n' +
                                self.log.read_text()[-3000:])
                time.sleep(0.3)

    def stop(self, sig=signal.SIGTERM):
        """Send ``sig`` (SIGINT is Ctrl+C); returns the exit status."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f'onediff serve did not stop within {STOP_TIMEOUT} '
                        f's of {signal.Signals(sig).name}')

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def files(self):
        """What the server has in its temporary folder, relative names."""
        return sorted(str(p.relative_to(self.tmp))
                      for p in self.tmp.rglob('*'))

    def console_after_start(self):
        """The console lines printed after the 'serving ...' banner."""
        text = self.log.read_text()
        return text[text.index('\nserving ') + 1:].splitlines()[1:]

    def refusals(self):
        return [line for line in self.console_after_start()
                if ': refused: ' in line]

    def warnings(self):
        """Python warnings on the console since the banner."""
        return [line for line in self.console_after_start()
                if re.search(r'\w+Warning: ', line)]

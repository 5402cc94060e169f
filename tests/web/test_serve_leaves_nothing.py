"""``onediff serve`` leaves nothing of a visit on disk once it stops, and
its console has one line per refused request and no library warnings.

The server runs in a subprocess with a ``TMPDIR`` of its own; the visit
goes through both doors: the page's (Gradio's upload and queue, driven
by ``gradio_client`` as the browser drives them) and ``/api/caption``.
"""
import signal

import pytest

from .serve_process import ServeProcess


def _post(url, before, after):
    import httpx  # comes with gradio
    with open(before, 'rb') as b, open(after, 'rb') as a:
        return httpx.post(url + '/api/caption', timeout=120,
                          files=dict(before=b, after=a))


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT])
def test_nothing_of_a_visit_is_left_after_stop(tiny, pair, bad_files,
                                               tmp_path, sig):
    from gradio_client import Client, handle_file
    server = ServeProcess(tiny, tmp_path)
    try:
        server.wait_ready()
        assert _post(server.url, *pair).status_code == 200
        refused = _post(server.url, bad_files['big_bomb'], pair[1])
        assert refused.status_code == 400
        assert 'limit of 67,108,864 pixels' in refused.json()['error']
        assert '178,956,970' not in refused.json()['error']

        page = Client(server.url + '/', download_files=False, verbose=False)
        result = page.predict(handle_file(pair[0]), handle_file(pair[1]), 1,
                              8, 'synth_diff', api_name='/caption')
        assert result[0] and result[2] is not None  # a caption, a figure
        result = page.predict(handle_file(bad_files['text']),
                              handle_file(pair[1]), 1, 8, 'synth_diff',
                              api_name='/caption')
        assert 'before image notes.png: corrupt' in result[3]

        # The visit wrote uploads and figures where the test can see them.
        written = server.files()
        assert any(name.endswith('notes.png') for name in written), written
        assert server.stop(sig) == 0
    finally:
        server.kill()
    assert server.files() == []
    refusals = server.refusals()
    assert len(refusals) == 2, refusals
    assert 'WARNING - /api/caption: refused: before image big_bomb.png' \
        in refusals[0]
    assert 'WARNING - page: refused: before image notes.png' in refusals[1]
    assert server.warnings() == []
    # Stopping with a page open (the client's heartbeat stream) is clean.
    assert not [line for line in server.console_after_start()
                if 'ERROR' in line or 'Traceback' in line]

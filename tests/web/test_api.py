"""``onediff serve`` without a browser: the JSON route, refusals, the queue.
"""
import os
import threading

import numpy as np
import pytest

from onediff_kit.data.image_io import DEFAULT_MAX_PIXELS
from onediff_kit.web.service import BusyError, CaptionService, InputError


@pytest.fixture(scope='module')
def client(captioner, tmp_path_factory):
    from fastapi.testclient import TestClient

    from onediff_kit.web.app import build_app
    from onediff_kit.web.examples import write_example_pairs
    folder = tmp_path_factory.mktemp('examples')
    examples = write_example_pairs(folder, 2)
    app = build_app(CaptionService(captioner), examples,
                    allowed_paths=[str(folder)])
    with TestClient(app) as client:
        yield client


def post(client, before=None, after=None, **fields):
    files = {}
    for key, path in (('before', before), ('after', after)):
        if path is not None:
            files[key] = (path.rsplit('/', 1)[-1], open(path, 'rb'))
    try:
        return client.post('/api/caption', files=files,
                           data={k: str(v) for k, v in fields.items()})
    finally:
        for _, f in files.values():
            f.close()


def test_json_caption_matches_the_api_with_beams_and_heat_maps(
        client, captioner, pair):
    response = post(client, *pair, beam=3, max_length=8)
    assert response.status_code == 200, response.text
    result = response.json()
    expected = captioner.caption(*pair, num_beams=3, max_length=8)
    assert result['caption'] == expected
    assert result['num_beams'] == 3 and result['max_length'] == 8
    beams = result['beams']
    assert 1 < len(beams) <= 3 and beams[0]['caption'] == expected
    scores = [b['score'] for b in beams]
    assert scores == sorted(scores, reverse=True) and max(scores) <= 0
    maps = np.asarray(result['attention_maps'])
    assert maps.ndim == 3 and maps.shape[0] == 2
    assert 0 <= maps.min() and maps.max() <= 1
    assert result['task'] == 'synth_diff' and result['notes'] == []


def test_task_prompt_and_figure(client, pair):
    result = post(client, *pair, task='real_edit', figure='true').json()
    assert result['prompt'] == 'Describe the edit made to the photo.'
    assert result['beams'] == [dict(caption=result['caption'], score=None)]
    import base64
    assert base64.b64decode(result['figure_png_base64'])[:4] == b'\x89PNG'


def test_info_and_page(client, tiny):
    info = client.get('/api/info').json()
    assert list(info['task_prompts']) == ['synth_diff', 'real_edit',
                                          'synth_scene']
    assert info['default_num_beams'] == 1
    assert info['max_pixels'] == DEFAULT_MAX_PIXELS == 67_108_864
    # The model's files by name, not the server's folders.
    assert info['config'] == 'tiny_onediff.py'
    assert info['checkpoint'] == os.path.basename(tiny['checkpoint'])
    assert os.path.dirname(tiny['checkpoint']) not in str(info)
    page = client.get('/')
    assert page.status_code == 200 and 'onediff' in page.text


@pytest.mark.parametrize('case, fields, message', [
    ('missing', {}, 'after image missing: give both'),
    ('text', {}, 'before image notes.png: corrupt or truncated image'),
    # Our one pixel limit, also where Pillow's own refuses first.
    ('bomb', {}, 'more than the limit of 67,108,864 pixels (possible '
     'decompression bomb)'),
    ('big_bomb', {}, 'more than the limit of 67,108,864 pixels'),
    ('pair', dict(beam='abc'), 'beam size must be a whole number'),
    ('pair', dict(beam=99), 'beam size must be a whole number from 1 to 8'),
    ('pair', dict(max_length=0), 'max length must be a whole number'),
    ('pair', dict(task='poetry'), "unknown task 'poetry'; choose one of: "
     'synth_diff, real_edit, synth_scene'),
])
def test_bad_requests_get_a_clear_400(client, pair, bad_files, case, fields,
                                      message):
    before, after = pair
    if case == 'missing':
        after = None
    elif case in bad_files:
        before = bad_files[case]
    response = post(client, before, after, **fields)
    assert response.status_code == 400
    assert message in response.json()['error']
    # The server stays up and answers the next good request.
    assert post(client, *pair).status_code == 200


def test_images_of_other_sizes_and_modes_are_aligned_with_a_note(
        client, captioner, pair, bad_files):
    result = post(client, bad_files['grey_small'], pair[1]).json()
    assert result['caption'] == captioner.caption(bad_files['grey_small'],
                                                  pair[1])
    notes = ' '.join(result['notes'])
    assert 'before 50x40, after 64x64' in notes
    assert 'L (before) and RGB (after) were converted to RGB' in notes


def test_queue_is_bounded(captioner, pair):
    service = CaptionService(captioner, max_queue=1)
    started, release = threading.Event(), threading.Event()
    predict = captioner.predict

    def slow_predict(*args, **kwargs):
        started.set()
        release.wait(30)
        return predict(*args, **kwargs)

    captioner.predict = slow_predict
    try:
        results = []
        threads = [threading.Thread(
            target=lambda: results.append(service.caption(*pair)))
            for _ in range(2)]
        threads[0].start()
        assert started.wait(30)
        threads[1].start()  # waits for the model: the one queue place
        for _ in range(600):
            if service.pending == 2:
                break
            threading.Event().wait(0.05)
        with pytest.raises(BusyError, match='1 requests are waiting'):
            service.caption(*pair)
        release.set()
        for t in threads:
            t.join(30)
        assert len(results) == 2
    finally:
        captioner.predict = predict
        release.set()


def test_service_refuses_bad_options_before_reading_images(captioner):
    service = CaptionService(captioner)
    with pytest.raises(InputError, match='before image missing'):
        service.caption(None, None)


@pytest.mark.parametrize('args, message', [
    (['--port', '0'], '--port must be from 1 to 65535'),
    (['--max-queue', '0'], '--max-queue must be at least 1'),
    (['--checkpoint', 'missing.pth'], 'missing.pth not found'),
])
def test_serve_command_line_errors_are_one_line(tiny, capsys, args, message,
                                                 tmp_path, monkeypatch):
    import tempfile

    from onediff_kit.cli.main import main
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    argv = ['serve', '--config', tiny['config'], '--checkpoint',
            tiny['checkpoint'], *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith('onediff serve: error:') and message in err
    # The server's temp folder, if it made one, is gone, and the process's
    # temp folder is its own again.
    assert tempfile.gettempdir() == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_nothing_phones_home(captioner, pair, monkeypatch):
    """Building the app and serving a caption look up no outside host.

    (With Gradio's analytics on, the same code looks up huggingface.co and
    api.gradio.app at once.)"""
    import socket
    import time

    from fastapi.testclient import TestClient

    from onediff_kit.web.app import build_app
    looked_up = []
    lookup = socket.getaddrinfo

    def spy(host, *args, **kwargs):
        looked_up.append(host)
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', spy)
    with TestClient(build_app(CaptionService(captioner))) as client:
        assert client.get('/').status_code == 200
        assert post(client, *pair).status_code == 200
        time.sleep(1)  # Gradio's version check would run in a thread
    assert not [h for h in looked_up
                if h not in ('127.0.0.1', 'localhost', 'testserver')]


@pytest.mark.parametrize('num_beams, beams, says', [
    (1, [dict(caption='a', score=None)], 'greedy search: no alternatives'),
    (3, [dict(caption='a', score=None)], 'lists no beam-search alternatives'),
    (3, [dict(caption='a', score=-1.0), dict(caption='b', score=-2.0)], ''),
])
def test_page_status_says_why_there_are_no_alternatives(num_beams, beams,
                                                         says):
    from onediff_kit.web.app import _status
    status = _status(dict(seconds=0.1, num_beams=num_beams, max_length=8,
                          prompt='p', beams=beams, notes=[]))
    assert says in status
    if not says:
        assert 'alternatives' not in status

"""The ``onediff serve`` web app: a Gradio page and a JSON route, one model.

``build_app`` returns a FastAPI app with

- ``/``: a Gradio Blocks page (upload or pick a pair; caption, beam-search
  alternatives with scores, delta-attention heat maps; beam size, max
  length and task prompt);
- ``POST /api/caption``: multipart ``before``, ``after`` (files) and
  optional ``beam``, ``max_length``, ``task``, ``figure`` (``1`` adds the
  page's figure as a base64 PNG) -> JSON; refusals are ``400`` (bad input)
  or ``503`` (queue full) with ``{"error": "..."}``;
- ``GET /api/info``: the tasks, defaults and limits.

Gradio's analytics and version check are off, nothing is shared, and the
default theme's fonts are served by the app itself, so the page works
offline. Gradio keeps uploads, example copies and rendered figures in its
cache folder (``GRADIO_TEMP_DIR``; ``onediff serve`` points it into a
folder of its own that it removes when it stops); files older than
``delete_after_s`` are deleted while the server runs.
"""
import base64
import io
import logging
import os
import tempfile
import warnings

import numpy as np
from mmengine.logging import print_log

PAGE_TITLE = 'onediff: image difference captioning'
BEAM_HEADERS = ['rank', 'caption', 'score']


def _figure(result):
    from onediff_kit.visualization import draw_diff_caption
    return draw_diff_caption(*result['images'], result['caption'],
                             attention_maps=result['attention_maps'])


def _beam_rows(result):
    return [[rank, beam['caption'],
             '' if beam['score'] is None else f'{beam["score"]:.4f}']
            for rank, beam in enumerate(result['beams'], 1)]


def _status(result):
    lines = [f'Captioned in {result["seconds"]:.2f} s with beam size '
             f'{result["num_beams"]}, max length {result["max_length"]}, '
             f'prompt "{result["prompt"]}".']
    if result['num_beams'] == 1:
        lines.append('Beam size 1 is greedy search: no alternatives.')
    elif result['beams'][0]['score'] is None:
        lines.append('This decoder lists no beam-search alternatives '
                     '(DecoderOutput.beams is None).')
    return '\n\n'.join(lines + [f'Note: {n}.' for n in result['notes']])


def _uploaded_path(image):
    """The file of an unprocessed ``gr.Image`` value (None: no image)."""
    return None if image is None else image.get('path')


def _refused(door, exc):
    """One console line for a refused request, with the reason."""
    print_log(f'{door}: refused: {exc}', logger='current',
              level=logging.WARNING)


def build_page(service, examples=(), delete_after_s=None):
    """The Gradio Blocks page over a :class:`CaptionService`.

    Args:
        service (CaptionService): checks and captions requests.
        examples (sequence): ``[before, after]`` file pairs to offer.
        delete_after_s (int, optional): delete Gradio's cached files
            (uploads, figures) older than this, checked every
            ``delete_after_s / 6`` seconds; None keeps them.

    Returns:
        gradio.Blocks: the page, its queue not yet configured.
    """
    import gradio as gr

    from onediff_kit.web.service import BusyError, InputError

    def caption(before, after, num_beams, max_length, task):
        try:
            result = service.caption(_uploaded_path(before),
                                     _uploaded_path(after), num_beams,
                                     max_length, task)
        except (InputError, BusyError) as exc:
            _refused('page', exc)
            return '', [], None, f'**Error:** {exc}'
        return (result['caption'], _beam_rows(result), _figure(result),
                _status(result))

    info = service.info()
    delete_cache = None if delete_after_s is None else (
        max(delete_after_s // 6, 1), delete_after_s)
    with gr.Blocks(title=PAGE_TITLE, analytics_enabled=False,
                   delete_cache=delete_cache) as page:
        gr.Markdown(f'## {PAGE_TITLE}\nModel: `{info["config"]}`, '
                    f'checkpoint `{info["checkpoint"]}`. Upload a before and '
                    'an after image, or click an example pair, then press '
                    '**Caption**.')
        with gr.Row():
            with gr.Column():
                with gr.Row():
                    before, after = (
                        gr.Image(label=f'{side.title()} image',
                                 type='filepath', sources=['upload'],
                                 height=220, elem_id=side)
                        for side in ('before', 'after'))
                num_beams = gr.Slider(1, info['max_num_beams'], step=1,
                                      value=info['default_num_beams'],
                                      label='Beam size (1 = greedy)',
                                      elem_id='beam')
                max_length = gr.Slider(1, info['max_max_length'], step=1,
                                       value=info['default_max_length'],
                                       label='Max length (tokens)',
                                       elem_id='max_length')
                task = gr.Dropdown(
                    choices=[(f'{t}: {p}', t)
                             for t, p in info['task_prompts'].items()],
                    value=info['default_task'], label='Task prompt',
                    interactive=bool(info['task_prompts']), elem_id='task')
                run = gr.Button('Caption', variant='primary', elem_id='run')
                if examples:
                    gr.Examples([list(pair) for pair in examples],
                                [before, after],
                                label='Example pairs (synthetic generator): '
                                'click one to fill both images',
                                elem_id='examples')
            with gr.Column():
                message = gr.Markdown(elem_id='message')
                caption_box = gr.Textbox(label='Caption', interactive=False,
                                         elem_id='caption')
                beams = gr.Dataframe(
                    headers=BEAM_HEADERS, label='Beam-search alternatives '
                    '(score: sum of the token log-probabilities / length ** '
                    'length_penalty)', interactive=False, wrap=True,
                    column_widths=['12%', '68%', '20%'], elem_id='beams')
                # The figure's own titles ("before", "after") sit at its top
                # edge, where gr.Image draws its label and buttons: the
                # label goes above it as text, the buttons go.
                gr.Markdown('Delta-token attention over both images',
                            elem_id='figure_title')
                figure = gr.Image(
                    label='Delta-token attention over both images',
                    show_label=False, buttons=[], type='numpy',
                    format='png', interactive=False, elem_id='figure')
        # Unprocessed inputs: gr.Image would open an upload with Pillow
        # first, so a text file or a decompression bomb would fail inside
        # Gradio with Pillow's message (and the server's path); the service
        # checks it instead and says what is wrong. Gradio still refuses a
        # file outside its upload folder.
        run.click(caption, [before, after, num_beams, max_length, task],
                  [caption_box, beams, figure, message], api_name='caption',
                  preprocess=False)
    return page


def _json_result(result, figure):
    maps = result['attention_maps']
    out = {k: result[k] for k in ('caption', 'beams', 'task', 'prompt',
                                  'num_beams', 'max_length', 'notes',
                                  'seconds')}
    out['attention_maps'] = (None if maps is None else
                             np.round(maps, 4).tolist())
    if figure:
        buffer = io.BytesIO()
        from PIL import Image
        Image.fromarray(_figure(result)).save(buffer, format='PNG')
        out['figure_png_base64'] = base64.b64encode(
            buffer.getvalue()).decode('ascii')
    return out


def build_app(service, examples=(), max_queue=8,
              max_upload_bytes=32 * 1024 * 1024, allowed_paths=(),
              delete_after_s=3600):
    """FastAPI app with the JSON routes and the Gradio page at ``/``.

    Args:
        service (CaptionService): checks and captions requests.
        examples (sequence): ``[before, after]`` file pairs for the page.
        max_queue (int): page requests that may wait (Gradio's queue);
            the model runs one at a time.
        max_upload_bytes (int): largest uploaded file.
        allowed_paths (sequence[str]): folders the page may serve files
            from (the examples' folder).
        delete_after_s (int, optional): Gradio's cached files (uploads,
            figures) older than this are deleted while the server runs
            (see :func:`build_page`); a page left open longer must upload
            its images again.

    Returns:
        fastapi.FastAPI: run it with uvicorn; set its
        ``state.page_stop_event`` when it stops, which ends open pages'
        streams.
    """
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    import gradio as gr
    from starlette.exceptions import StarletteDeprecationWarning
    from starlette.routing import Mount
    from fastapi import FastAPI, File, Form, UploadFile
    from fastapi.responses import JSONResponse

    from onediff_kit.web.service import BusyError, InputError

    # Gradio's routes use a status name that starlette renamed; the warning,
    # one per request, is for Gradio's authors, not for this server's user.
    warnings.filterwarnings('ignore', category=StarletteDeprecationWarning,
                            module='gradio')
    app = FastAPI(title=PAGE_TITLE)

    def save(upload, folder, name):
        if upload is None:
            return None
        data = upload.file.read(max_upload_bytes + 1)
        if len(data) > max_upload_bytes:
            raise InputError(f'{name} image: file larger than '
                             f'{max_upload_bytes} bytes')
        # Messages name the upload's file name; keep only its last part.
        base = os.path.basename(upload.filename or '')
        base = name if base in ('', '.', '..') else base
        path = os.path.join(folder, name)
        os.makedirs(path)
        path = os.path.join(path, base)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    @app.get('/api/info')
    def api_info():
        return service.info()

    # A plain ``def``: FastAPI runs it in a worker thread, off the loop.
    @app.post('/api/caption')
    def api_caption(before: UploadFile | None = File(None),
                    after: UploadFile | None = File(None),
                    beam: str | None = Form(None),
                    max_length: str | None = Form(None),
                    task: str | None = Form(None),
                    figure: bool = Form(False)):
        try:
            with tempfile.TemporaryDirectory(prefix='onediff_serve_') as tmp:
                result = service.caption(
                    save(before, tmp, 'before'), save(after, tmp, 'after'),
                    beam, max_length, task)
            return _json_result(result, figure)
        except InputError as exc:
            _refused('/api/caption', exc)
            return JSONResponse(dict(error=str(exc)), status_code=400)
        except BusyError as exc:
            _refused('/api/caption', exc)
            return JSONResponse(dict(error=str(exc)), status_code=503)

    page = build_page(service, examples, delete_after_s)
    page.queue(max_size=max_queue, default_concurrency_limit=1,
               api_open=False)
    app = gr.mount_gradio_app(
        app, page, path='/', footer_links=['api', 'settings'],
        allowed_paths=list(allowed_paths), ssr_mode=False, mcp_server=False,
        max_file_size=max_upload_bytes, show_error=True)
    # An open page holds a stream (Gradio's heartbeat) that ends when its
    # app's stop_event is set, as Gradio's own server does when it closes;
    # whoever stops this app sets it (see cli/serve.py).
    page_app, = (route.app for route in app.routes
                 if isinstance(route, Mount))
    app.state.page_stop_event = page_app.stop_event
    return app

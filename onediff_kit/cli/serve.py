"""``onediff serve``: a web page and a JSON route that caption image pairs.

    onediff serve --model DIR [--host 127.0.0.1] [--port 7860]
        [--max-queue 8] [--device D] [--examples 4]
    onediff serve --checkpoint K [--config C] ...

``--model`` is a pretrained folder (``DiffCaptioner.from_pretrained``);
``--checkpoint`` uses the config stored in it unless ``--config`` is given.

The page (Gradio) is at ``http://HOST:PORT/``; scripts post to
``/api/caption`` (see docs/captioning.md). It binds to 127.0.0.1 unless
``--host`` says otherwise; no share link is made and nothing is downloaded.

Everything the server writes (the example pairs, Gradio's copies of
uploads and examples, rendered figures, request temp files) lives in one
temporary folder of its own, removed when it stops (Ctrl+C, SIGTERM).
"""
import contextlib
import os
import shutil
import signal
import sys
import tempfile

from onediff_kit.cli.model_args import (add_model_arguments, build_captioner,
                                        describe_model, loading_errors,
                                        model_arguments_error)

PROG = 'onediff serve'


def _error(message, code=2):
    print(f'{PROG}: error: {message}', file=sys.stderr)
    return code


def run(args):
    # Before gradio is imported anywhere: no telemetry, no version check.
    os.environ['GRADIO_ANALYTICS_ENABLED'] = 'False'
    if not 1 <= args.port <= 65535:
        return _error(f'--port must be from 1 to 65535, got {args.port}')
    if args.max_queue < 1:
        return _error(f'--max-queue must be at least 1, got '
                      f'{args.max_queue}')
    problem = model_arguments_error(args)
    if problem:
        return _error(problem)
    with server_temp_folder() as folder:
        return _serve(args, os.path.join(folder, 'examples'))


@contextlib.contextmanager
def server_temp_folder():
    """A new temporary folder that this process's temporary files (Python's
    ``tempfile``, Gradio's cache) go to while the block runs; removed,
    with all it holds, when the block ends (uvicorn returns on Ctrl+C and
    SIGTERM)."""
    folder = tempfile.mkdtemp(prefix='onediff_serve_')
    saved = tempfile.tempdir, os.environ.get('GRADIO_TEMP_DIR')
    tempfile.tempdir = folder
    # Read by gradio when it is imported and when a page is built.
    os.environ['GRADIO_TEMP_DIR'] = os.path.join(folder, 'gradio')
    try:
        yield folder
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop('GRADIO_TEMP_DIR', None)
        else:
            os.environ['GRADIO_TEMP_DIR'] = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


def _serve(args, examples_dir):
    from onediff_kit.web.app import build_app
    from onediff_kit.web.examples import write_example_pairs
    from onediff_kit.web.service import CaptionService

    try:
        examples = write_example_pairs(examples_dir, args.examples,
                                       args.examples_generator)
        captioner = build_captioner(args)
    except loading_errors() + (OSError, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args \
            else str(exc)
        return _error(message)
    service = CaptionService(captioner, max_queue=args.max_queue)
    app = build_app(service, examples, max_queue=args.max_queue,
                    allowed_paths=[examples_dir])
    from onediff_kit.web.server import run_server

    # uvicorn re-raises SIGTERM after its graceful shutdown; as SystemExit
    # it lets run() remove the server's temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f'serving {describe_model(args)} on '
          f'http://{args.host}:{args.port}/  (JSON: POST /api/caption; '
          'Ctrl+C stops)', flush=True)
    run_server(app, args.host, args.port)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'serve',
        help='serve a web page and a JSON route that caption image pairs',
        description='Serve a Gradio page (upload or pick a pair; caption, '
        'beam alternatives, attention heat maps) and POST /api/caption for '
        'scripts, on 127.0.0.1 unless --host says otherwise.')
    add_model_arguments(p)
    p.add_argument('--host', default='127.0.0.1',
                   help='address to bind (default 127.0.0.1; 0.0.0.0 '
                   'exposes the page to the network)')
    p.add_argument('--port', type=int, default=7860,
                   help='port (default 7860)')
    p.add_argument('--max-queue', type=int, default=8,
                   help='requests that may wait while the model captions '
                   'one (default 8); more are refused with a message')
    p.add_argument('--device', help='cpu, cuda, cuda:1 (default: cuda when '
                   'available)')
    p.add_argument('--examples', type=int, default=4,
                   help='example pairs drawn by the generator (default 4; '
                   '0 = none)')
    p.add_argument('--examples-generator',
                   help='registered generator that draws the example pairs '
                   '(default: the one registered; `onediff list --kind '
                   'generator`)')
    p.set_defaults(func=run, extras=('web',))

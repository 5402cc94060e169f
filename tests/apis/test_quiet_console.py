"""A quiet console: no third-party warning or log line from ``onediff``
commands unless ``--verbose``, and nothing at all from the Python API."""
import os
import subprocess
import sys
import textwrap

import pytest

from ..engine.engine_config import REPO

NOISY_MODULE = textwrap.dedent('''
    """A module of the user's that imports a library that warns (mmcv-lite),
    warnings as a library raises them, a library's log line and a warning
    of its own."""
    import logging
    import warnings

    import mmcv.cnn.bricks.transformer  # mmcv-lite's import-time warning

    # As a library module raises them (attributed to itself).
    for category in (UserWarning, FutureWarning):
        warnings.warn_explicit(
            f'noisy library: a {category.__name__}', category,
            'transformers/noisy.py', 1, module='transformers.noisy')
    warnings.warn("noisy_third_party: the user's own warning")
    logging.getLogger('transformers.noisy').warning(
        'noisy library: a transformers log line')
''')
NOISES = ('MultiScaleDeformableAttention', 'noisy library: a UserWarning',
          'noisy library: a FutureWarning',
          'noisy library: a transformers log line')


@pytest.fixture(scope='module')
def noisy(tiny, tmp_path_factory):
    """The tiny model's config importing a noisy third-party module."""
    folder = tmp_path_factory.mktemp('noisy')
    (folder / 'noisy_third_party.py').write_text(NOISY_MODULE)
    config = folder / 'noisy_config.py'
    config.write_text(f'_base_ = [r"{tiny["config"]}"]\n'
                      "custom_imports = dict(imports=['noisy_third_party'])\n")
    return dict(tiny, config=str(config), folder=str(folder))


def _onediff(noisy, *args):
    env_path = [noisy['folder'], str(REPO)] + sys.path
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(env_path))
    # Set by quiet_third_party when a test calls main() in this process.
    for name in ('TRANSFORMERS_VERBOSITY', 'TOKENIZERS_PARALLELISM'):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, '-m', 'onediff_kit.cli.main', *args],
        capture_output=True, text=True, timeout=300, env=env)


def _caption_args(noisy, image_files):
    return ['caption', image_files['jpeg'], image_files['png'], '--config',
            noisy['config'], '--checkpoint', noisy['checkpoint'],
            '--device', 'cpu']


def test_commands_hide_third_party_noise(noisy, image_files):
    run = _onediff(noisy, *_caption_args(noisy, image_files))
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip()  # the caption
    for noise in NOISES:
        assert noise not in run.stderr + run.stdout, run.stderr
    assert "noisy_third_party: the user's own warning" in run.stderr


@pytest.mark.parametrize('where', ['before', 'after'])
def test_verbose_shows_third_party_noise(noisy, image_files, where):
    args = _caption_args(noisy, image_files)
    args = ['--verbose', *args] if where == 'before' else [*args,
                                                           '--verbose']
    run = _onediff(noisy, *args)
    assert run.returncode == 0, run.stderr[-3000:]
    for noise in NOISES:
        assert noise in run.stderr, (noise, run.stderr)


def test_python_api_prints_nothing(tiny, image_files):
    """mmengine's INFO lines (parameter table, checkpoint loading) and
    mmcv-lite's warning stay off the console. The tokenizer comes from the
    checkpoint (the fixture's vocabulary file is gone on purpose)."""
    script = textwrap.dedent(f'''
        from onediff_kit.apis import DiffCaptioner
        captioner = DiffCaptioner(
            {tiny['config']!r}, {tiny['checkpoint']!r}, device='cpu',
            cfg_options={{'model.decoder.vocab_file': None}})
        caption = captioner.caption({image_files['jpeg']!r},
                                    {image_files['png']!r})
        assert isinstance(caption, str)
    ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + sys.path))
    run = subprocess.run([sys.executable, '-c', script], capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout == '' and run.stderr == '', run.stdout + run.stderr


def test_build_warnings_go_to_stderr_not_stdout():
    """A build's WARNING records (e.g. a missing vocab file) leave stdout to
    the caller, where ``onediff caption --json`` prints its JSON."""
    code = textwrap.dedent('''
        from mmengine.logging import print_log
        from onediff_kit.quiet import quiet_build
        with quiet_build():
            print_log('a build warning', logger='current', level=30)
            print_log('a build info line', logger='current', level=20)
        print('{"caption": "ok"}')
    ''')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"caption": "ok"}\n'
    assert 'a build warning' in done.stderr
    assert 'a build info line' not in done.stderr

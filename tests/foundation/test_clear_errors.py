"""The tools' one-line errors are chosen by exception type, not message."""
import pytest

from onediff_kit.checkpoint import NotACheckpointError
from onediff_kit.cli.clear_errors import call_with_clear_errors
from onediff_kit.registry import RegistryKeyError


def raising(exc):
    def action():
        raise exc
    return action


def test_registry_key_error_is_one_line(capsys):
    status = call_with_clear_errors(
        raising(RegistryKeyError('Foo is not in the registry.')))
    assert status == 1
    assert capsys.readouterr().err == 'error: Foo is not in the registry.\n'


def test_other_key_errors_keep_their_traceback():
    # a bug whose message happens to mention a registry is still a bug
    with pytest.raises(KeyError, match='registry'):
        call_with_clear_errors(raising(KeyError('registry of doom')))


def test_debug_keeps_the_traceback():
    with pytest.raises(NotACheckpointError):
        call_with_clear_errors(raising(NotACheckpointError('x')), debug=True)


def test_not_a_checkpoint_is_one_line(capsys):
    exc = NotACheckpointError('x.png is not a PyTorch checkpoint')
    assert call_with_clear_errors(raising(exc)) == 1
    assert capsys.readouterr().err.startswith(
        'error: NotACheckpointError: x.png is not a PyTorch checkpoint')


def test_train_resume_from_an_image_says_what_it_is(tmp_path, capsys):
    from onediff_kit.cli.command import run_command
    from tests.engine.engine_config import write_config
    image = tmp_path / 'some_image.png'
    image.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    cfg = write_config(tmp_path / 'cfg.py', max_iters=1)
    argv = [str(cfg), '--work-dir', str(tmp_path / 'w'), '--resume',
            str(image)]
    assert run_command('train', argv) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: NotACheckpointError: ')
    assert 'not a PyTorch checkpoint (it looks like a PNG image)' in err

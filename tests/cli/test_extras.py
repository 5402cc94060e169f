"""A command that needs a missing optional extra ends in one line naming
the extra and the pip command, before any model loads."""
import importlib.util

import pytest

from onediff_kit import extras
from onediff_kit.cli.main import main


@pytest.fixture
def without(monkeypatch):
    """Make ``find_spec`` report the given top-level modules missing."""
    def hide(*modules):
        real = importlib.util.find_spec
        monkeypatch.setattr(
            extras.importlib.util, 'find_spec',
            lambda name, *a: None if name in modules else real(name, *a))
    return hide


def test_serve_without_web_extra_is_one_line(without, tmp_path, capsys):
    without('gradio')
    # The checkpoint does not exist: reaching the model would say so.
    code = main(['serve', '--checkpoint', str(tmp_path / 'none.pth')])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count('\n') == 1, err
    assert 'onediff serve needs the optional extra [web]' in err
    assert "pip install 'onediff_kit[web]'" in err
    assert 'gradio' in err and 'none.pth' not in err


def test_require_extra_names_extra_and_pip_command(without):
    without('peft')
    with pytest.raises(extras.MissingExtraError,
                       match=r"decoder.lora needs the optional extra \[lora\] "
                       r"\(peft not installed\): pip install "
                       r"'onediff_kit\[lora\]'"):
        extras.require_extra('lora', 'decoder.lora')


def test_every_extra_is_one_of_setup_py():
    """The names printed are those pip knows."""
    from pathlib import Path
    setup = (Path(__file__).resolve().parents[2] / 'setup.py').read_text()
    for extra in extras.EXTRA_MODULES:
        assert f"'{extra}':" in setup, extra


def test_config_extras_found_anywhere_in_the_config():
    cfg = dict(model=dict(decoder=dict(type='HFCausalLMDecoder',
                                       lora=dict(r=4)),
                          delta=dict(attn_backend='xformers')),
               visualizer=dict(vis_backends=[
                   dict(type='LocalVisBackend'),
                   dict(type='TensorboardVisBackend')]))
    assert extras.config_extras(cfg) == ['lora', 'tensorboard', 'xformers']
    assert extras.config_extras(dict(model=dict(lora=None))) == []


def test_caption_with_a_lora_config_needs_peft_before_loading(
        without, tmp_path, capsys):
    """The captioner checks the config's extras before it builds (and
    loads) the model: one line, no traceback."""
    without('peft')
    config = tmp_path / 'lora.py'
    config.write_text("model = dict(type='OneDiff', decoder=dict("
                      "type='HFCausalLMDecoder', lora=dict(r=4)))\n")
    ckpt = tmp_path / 'model.pth'
    ckpt.write_bytes(b'not read')
    image = tmp_path / 'a.png'
    from PIL import Image
    Image.new('RGB', (8, 8)).save(image)
    code = main(['caption', str(image), str(image), '--config', str(config),
                 '--checkpoint', str(ckpt), '--device', 'cpu'])
    err = capsys.readouterr().err
    assert code != 0 and err.count('\n') == 1, err
    assert "needs the optional extra [lora]" in err
    assert "pip install 'onediff_kit[lora]'" in err

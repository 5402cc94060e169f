"""Which LM parameters each stage trains, with LoRA and with it switched off
(``model.decoder.lora=None``: full fine-tuning), on the miniature model."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from onediff_kit.registry import MODELS

from .miniature import PAPER_CONFIG


def _build(mini, **overrides):
    cfg = Config.fromfile(PAPER_CONFIG)
    cfg.merge_from_dict(dict(mini['opts'], **overrides))
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        return MODELS.build(cfg.model), cfg


def _trainable(module):
    return {n for n, p in module.named_parameters() if p.requires_grad}


@pytest.mark.parametrize('lora', [True, False], ids=['lora', 'full'])
def test_stages_train_the_adapter_or_the_whole_lm(mini, lora):
    model, cfg = _build(mini, **({} if lora else {'model.decoder.lora': None}))
    stage1, stage2 = cfg.train_cfg.stages
    lm = model.decoder
    every = {n for n, _ in lm.named_parameters()}
    adapter = {n for n in every if '.lora_' in n}
    assert bool(adapter) == lora

    model.set_trainable(stage1.trainable)
    assert not _trainable(lm) and not _trainable(model.encoder)
    assert _trainable(model.delta) and _trainable(model.projector)

    model.set_trainable(stage2.trainable)
    assert _trainable(lm) == (adapter if lora else every)
    assert not _trainable(model.encoder)
    rows = {part: n for part, n, _ in model.parameter_table()}
    assert rows['decoder'] == sum(
        p.numel() for p in lm.parameters() if p.requires_grad)

    # Back to stage 1: the adapter is frozen again, the LM's weights too.
    model.set_trainable(stage1.trainable)
    assert not _trainable(lm)


def test_bad_lora_settings_name_the_key(mini):
    with pytest.raises(ValueError, match=r'decoder\.lora: unknown keys '
                       r"\['rank'\]"):
        _build(mini, **{'model.decoder.lora.rank': 8})
    with pytest.raises(ValueError, match=r'decoder\.lora'):
        _build(mini, **{'model.decoder.lora.target_modules': ['no_such']})


def test_merge_lora_keeps_the_output(mini):
    model, _ = _build(mini)
    lm = model.decoder.lm
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in lm.named_parameters():
            if '.lora_B.' in name:
                p.normal_(std=0.1)  # a trained adapter, not the zero start
        embeds = torch.randn(2, 9, model.decoder.embed_dims)
        ref = lm(inputs_embeds=embeds).logits
        with lm.disable_adapter():  # the adapter does change the output
            assert not torch.allclose(lm(inputs_embeds=embeds).logits, ref)
        model.decoder.merge_lora()
        assert model.decoder.lora is None
        assert not any('lora' in n for n, _ in
                       model.decoder.lm.named_parameters())
        got = model.decoder.lm(inputs_embeds=embeds).logits
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-5)


def test_vdm_starts_from_a_12_layer_bert(mini):
    """The VDM's 6 layers copy 6 of BERT-base's 12, spread evenly."""
    from transformers import BertModel
    model, _ = _build(mini)
    model.delta.init_weights()
    bert = BertModel.from_pretrained(mini['paths']['bert'])
    picked = [0, 2, 4, 7, 9, 11]
    for ours, i in zip(model.delta.layers, picked):
        src = bert.encoder.layer[i]
        assert torch.equal(ours.self_attn.attn.q_proj.weight,
                           src.attention.self.query.weight)
        assert torch.equal(ours.cross_attn.attn.k_proj.weight,
                           src.attention.self.key.weight)
        assert torch.equal(ours.ffn.fc2.weight, src.output.dense.weight)

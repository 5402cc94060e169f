"""The paper recipe's config, trained and tested in miniature.

``configs/onediff/onediff_clip-l14-336_vicuna-7b_diffcap.py`` runs through
``onediff train`` (both stages), ``onediff test`` and the LoRA export
(``onediff merge-lora``), with only ``--cfg-options`` pointing it at tiny
local CLIP/BERT/Llama models and a small synthetic data set
(tests/paper_recipe/miniature.py).
"""
import json
import shutil

import pytest
import torch
from mmengine.config import Config

from onediff_kit.checkpoint import load_local
from onediff_kit.cli import merge_lora
from onediff_kit.cli import test as test_tool
from onediff_kit.cli import train as train_tool

from .miniature import PAPER_CONFIG


@pytest.fixture(scope='module')
def trained(mini):
    work = mini['root'] / 'work'
    runner = train_tool.main([str(PAPER_CONFIG), '--work-dir', str(work),
                              '--cfg-options', *mini['cli']])
    return dict(runner=runner, work=work)


def _state(path):
    return load_local(str(path), map_location='cpu')['state_dict']


def _changed(a, b):
    return {k for k in a if not torch.equal(a[k], b[k])}


def _hf_weights(path):
    from safetensors.torch import load_file
    return load_file(f'{path}/model.safetensors')


def test_paper_config_is_the_recipe():
    cfg = Config.fromfile(PAPER_CONFIG)
    assert cfg.model.encoder.layers == (8, 16, 24)
    assert cfg.model.encoder.model_path == cfg.clip_path
    assert cfg.model.delta.bert_init == cfg.bert_path
    assert cfg.model.decoder.model_path == cfg.lm_path
    assert cfg.model.decoder.lora.r == cfg.lora_r
    assert cfg.model.decoder.gradient_checkpointing
    assert cfg.model.decoder.torch_dtype == 'bfloat16'
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    stage1, stage2 = cfg.train_cfg.stages
    assert stage1.trainable == ('delta', 'projector')
    assert stage1.dataloader.dataset.type == 'CoupledSampleDataset'
    assert 'decoder' in stage2.trainable
    assert cfg.train_dataloader.dataset.type == 'MultiTaskDataset'
    assert len(cfg.train_dataloader.dataset.ratios) == len(
        cfg.train_dataloader.dataset.datasets)
    assert cfg.default_hooks.checkpoint.save_best == 'caption/CIDEr'
    assert cfg.val_dataloader.dataset.split == 'val'
    # The stages as separate runs (data-parallel GPUs): fixed parts each.
    for i, stage in enumerate((stage1, stage2), 1):
        alone = Config.fromfile(str(PAPER_CONFIG).replace(
            '.py', f'_stage{i}.py'))
        (only, ) = alone.train_cfg.stages
        assert only.name == stage.name and only.iters == stage.iters
        assert 'trainable' not in only
        assert alone.model.trainable == stage.trainable
    # Local directories only: no Hugging Face hub names.
    for path in (cfg.clip_path, cfg.bert_path, cfg.lm_path):
        assert path.startswith('checkpoints/')


def test_each_stage_trains_only_its_parts(mini, trained):
    work = trained['work']
    it1, it2, it4 = (_state(work / f'iter_{i}.pth') for i in (1, 2, 4))
    lora = {k for k in it1 if '.lora_' in k}
    assert lora and all(k.startswith('decoder.lm.') for k in lora)

    # Stage 1 (iterations 1-2): the delta module and the projector only.
    stage1 = _changed(it1, it2)
    assert {k.split('.')[0] for k in stage1} == {'delta', 'projector'}
    assert all(not it2[k].any() for k in lora if '.lora_B.' in k)

    # Stage 2 (3-4): the adapter too, and nothing else of the LM.
    stage2 = _changed(it2, it4)
    assert {k.split('.')[0] for k in stage2} == {'delta', 'projector',
                                                 'decoder'}
    assert {k for k in stage2 if k.startswith('decoder.')} <= lora
    assert any('.lora_B.' in k for k in stage2)

    # CLIP and the LM's own weights are the pretrained ones, untouched.
    clip = _hf_weights(mini['paths']['clip'])
    for key, value in clip.items():
        if key.startswith('vision_model.'):
            assert torch.equal(it4[f'encoder.model.{key[13:]}'], value), key
    lm = _hf_weights(mini['paths']['lm'])
    for key, value in lm.items():
        ours = (f'decoder.lm.base_model.model.'
                f'{key.replace(".weight", ".base_layer.weight")}')
        ours = ours if ours in it4 else f'decoder.lm.base_model.model.{key}'
        assert torch.equal(it4[ours], value), key

    # The runner's model is the last checkpoint, adapter included.
    model_state = trained['runner'].model.state_dict()
    assert not _changed(model_state, it4)


def test_parameter_table_shows_the_adapter_only(mini, trained):
    model = trained['runner'].model
    rows = {part: (t, f) for part, t, f in model.parameter_table()}
    n_lora = sum(p.numel() for n, p in model.decoder.named_parameters()
                 if '.lora_' in n)
    assert rows['decoder'][0] == n_lora > 0  # stage 2: adapter only
    assert rows['encoder'][0] == 0


def test_resume_mid_stage_matches(mini, trained):
    work = mini['root'] / 'resumed'
    work.mkdir()
    shutil.copy(trained['work'] / 'iter_3.pth', work / 'iter_3.pth')
    train_tool.main([str(PAPER_CONFIG), '--work-dir', str(work),
                     '--resume', str(work / 'iter_3.pth'),
                     '--cfg-options', *mini['cli']])
    ours = _state(work / 'iter_4.pth')
    theirs = _state(trained['work'] / 'iter_4.pth')
    for key in theirs:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0,
                                   atol=1e-6, msg=key)


def test_tools_test_writes_scores(mini, trained):
    work = mini['root'] / 'test'
    metrics = test_tool.main([str(PAPER_CONFIG),
                              str(trained['work'] / 'iter_4.pth'),
                              '--work-dir', str(work),
                              '--cfg-options', *mini['cli']])
    assert 'caption/CIDEr' in metrics
    scores = list(work.rglob('*scores.json'))
    assert scores and 'CIDEr' in json.dumps(
        json.loads(scores[0].read_text()))


def _pairs(data_root, split='test'):
    pairs = []
    with open(data_root / 'manifest.jsonl') as f:
        for line in f:
            rec = json.loads(line)
            if rec['split'] == split:
                pairs.append((str(data_root / rec['before']),
                              str(data_root / rec['after'])))
    return pairs


def test_save_load_and_merge_keep_the_captions(mini, trained):
    from transformers import AutoModelForCausalLM

    from onediff_kit.apis import DiffCaptioner
    ckpt = trained['work'] / 'iter_4.pth'
    pairs = _pairs(mini['data'])
    loaded = DiffCaptioner(str(PAPER_CONFIG), str(ckpt), device='cpu',
                           cfg_options=mini['opts'])
    # An explicit task: the exported config.py is an mmengine dump, whose
    # dicts (task_prompts too) come out sorted, so the default task differs.
    captions = loaded.caption_batch(pairs, task='synth_diff')
    # In memory (the trained runner's model) = saved and loaded.
    in_memory = trained['runner'].model.eval()
    loaded_model, loaded.model = loaded.model, in_memory
    assert loaded.caption_batch(pairs, task='synth_diff') == captions
    loaded.model = loaded_model

    out = mini['root'] / 'export'
    cfg = Config.fromfile(PAPER_CONFIG)
    cfg.merge_from_dict(mini['opts'])
    paths = merge_lora.export(cfg, str(ckpt), str(out))
    lm = AutoModelForCausalLM.from_pretrained(paths['lm'])
    assert not any('lora' in k for k in lm.state_dict())
    merged = DiffCaptioner(paths['config'], paths['checkpoint'],
                           device='cpu')
    assert merged.caption_batch(pairs, task='synth_diff') == captions

    # Logits of the merged LM vs the LM with its adapter, same input.
    embeds = torch.randn(2, 12, lm.config.hidden_size)
    with torch.no_grad():
        ref = loaded.model.decoder.lm(inputs_embeds=embeds).logits
        got = lm(inputs_embeds=embeds).logits
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-5)


def test_loss_falls_on_a_fixed_batch(mini):
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope

    from onediff_kit.registry import DATASETS, MODELS
    cfg = Config.fromfile(PAPER_CONFIG)
    cfg.merge_from_dict(mini['opts'])
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.set_trainable(cfg.train_cfg.stages[1].trainable)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(4)]), True)
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=1e-2)
    losses = []
    for _ in range(10):
        loss = model(**batch, mode='loss')['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses

"""``gradient_checkpointing=True`` (encoder and decoder) recomputes
activations in the backward pass and gives the same gradients."""
import torch

from onediff_kit.registry import MODELS


def _grads(module, loss_fn):
    module.zero_grad()
    loss_fn().backward()
    return {n: p.grad.clone() for n, p in module.named_parameters()
            if p.grad is not None}


def _same_grads(build, loss_fn):
    torch.manual_seed(0)
    plain = build(False)
    torch.manual_seed(0)
    ckpt = build(True)
    ckpt.load_state_dict(plain.state_dict())
    ref, got = _grads(plain, lambda: loss_fn(plain)), _grads(
        ckpt, lambda: loss_fn(ckpt))
    assert ref and ref.keys() == got.keys()
    for name in ref:
        torch.testing.assert_close(got[name], ref[name], rtol=1e-4,
                                   atol=1e-6, msg=name)
    return ckpt


def test_encoder_gradient_checkpointing(mini):
    images = torch.rand(1, 2, 3, 336, 336)

    def build(flag):
        return MODELS.build(dict(
            type='HFVisionEncoder', model_path=mini['paths']['clip'],
            layers=(8, 16, 24), gradient_checkpointing=flag)).train()

    enc = _same_grads(build, lambda m: sum(f.square().mean()
                                           for f in m(images)))
    assert enc.model.encoder.gradient_checkpointing


def test_decoder_gradient_checkpointing(mini):
    from onediff_kit.structures import DiffDataSample
    samples = [DiffDataSample(metainfo=dict(
        prompt='describe the two images', gt_caption='a red cube'))]
    prefix = torch.randn(1, 5, 32)

    def build(flag):
        return MODELS.build(dict(
            type='HFCausalLMDecoder', model_path=mini['paths']['lm'],
            lora=dict(r=4, alpha=8, target_modules=['q_proj', 'v_proj']),
            gradient_checkpointing=flag)).train()

    dec = _same_grads(build, lambda m: m.loss(prefix, samples)['loss'])
    assert dec.lm.base_model.model.model.gradient_checkpointing

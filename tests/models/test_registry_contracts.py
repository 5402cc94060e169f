"""Every registered encoder, delta module, projector and decoder runs through
the same contract tests, found by listing the MODELS registry (as timm's
tests follow its registry): a new plugin gets them for free.

Each class is built in miniature from :data:`TINY`; a registered class with
no entry there fails :func:`test_every_registered_part_has_a_tiny_config`
(and its own contract tests), naming it, so a new plugin is noticed.
The contracts are those of ``onediff_kit/models/bases.py``: shapes and
types (``DeltaOutput``, ``DecoderOutput``), gradients reaching every
trainable parameter, swapping before and after changing the result, no
state kept from ``forward``, and a state_dict round trip giving identical
outputs.
"""
import io

import pytest
import torch

from model_helpers import CAPTIONS, make_samples, tiny_decoder, \
    tiny_encoder, tiny_vocab_file
from onediff_kit.models.bases import DecoderOutput, DeltaOutput
from onediff_kit.registry import MODELS
from onediff_kit.visualization import delta_attention_maps

KINDS = ('encoder', 'delta', 'projector', 'decoder')
B = 2
IN_CHANNELS = (8, 16, 24)  # encoder levels a delta module is built for
SIDES = (8, 4, 2)
IMAGE_CHANNELS, DELTA_CHANNELS, WIDTH = 8, 12, 16  # a projector's widths


def registered_parts():
    """``(name, kind)`` of every registered part (conftest called
    ``onediff_kit.init()``, so the plugins are in; the core's own modules
    come in through the registry's locations)."""
    MODELS.import_from_location()
    return sorted((name, cls.component_kind)
                  for name, cls in MODELS.module_dict.items()
                  if getattr(cls, 'component_kind', None) in KINDS)


PARTS = registered_parts()


def _by_kind(*kinds):
    return [pytest.param(name, id=name) for name, kind in PARTS
            if kind in kinds]


# ------------------------------------------------------------ tiny configs
# name -> cfg(request); ``request.getfixturevalue`` fetches the tiny local
# Hugging Face models only for the classes that need them.
TINY = {
    # encoders: input (B, 2, 3, 32, 32)
    'MMPretrainEncoder': lambda request: dict(tiny_encoder(),
                                              probe_size=32),
    # in_eval: the no_grad contract tests go through the disk cache too.
    'CachedEncoder': lambda request: dict(
        encoder=dict(tiny_encoder(), probe_size=32, frozen_stages='all'),
        cache=dict(root=str(request.getfixturevalue('tmp_path') / 'cache'),
                   in_eval=True)),
    'HFVisionEncoder': lambda request: dict(
        model_path=request.getfixturevalue('tiny_clip_dir'),
        layers=(1, -1), from_config=True),
    # delta modules: in_channels=IN_CHANNELS injected
    'VisualDeltaModule': lambda request: dict(
        num_tokens=3, num_layers=1, embed_dims=16, num_heads=2, ffn_dims=32,
        dropout=0.0, bert_init=None, with_difference=True, fuse_images=True,
        change_prior=1.0),
    'SubtractDelta': lambda request: dict(level=1, embed_dims=16),
    'ConcatDelta': lambda request: dict(level=0, embed_dims=16, grid=2),
    'CrossTransformerDelta': lambda request: dict(
        level=1, embed_dims=16, num_layers=1, num_heads=2, ffn_dims=32,
        grid=2, dropout=0.0),
    'NoDelta': lambda request: dict(),
    'ExampleDelta': lambda request: dict(out_channels=16, levels=(0, 2),
                                         grid=2, num_heads=2),
    # projectors: image/delta/out channels injected
    'MLPProjector': lambda request: dict(num_layers=2),
    # decoders: prefix (B, 5, embed_dims)
    'TransformerCaptionDecoder': lambda request: tiny_decoder(
        vocab_file=tiny_vocab_file(), num_beams=2, max_length=5),
    'HFCausalLMDecoder': lambda request: dict(
        model_path=request.getfixturevalue('tiny_llama_dir'),
        prompt_template='user {prompt} assistant', max_length=4,
        num_beams=2),
}
# What a fresh instance that a checkpoint fills is built with.
FRESH = {
    # At caption time there is no vocabulary file: the state dict brings
    # the tokenizer.
    'TransformerCaptionDecoder': dict(vocab_file=None),
}
# Parts that train nothing themselves.
NOTHING_TO_TRAIN = {
    'CachedEncoder': 'serves a frozen encoder\'s features (its cache '
                     'refuses a trainable one)',
}
# Parts whose output can not depend on the order of the two images.
SWAP_EXEMPT = {
    'NoDelta': 'returns zero tokens (B, 0, C), the ablation without a '
               'delta module: there is nothing that could change',
}


def _no_tiny_config(name):
    return (f'registered part {name} has no tiny config in '
            f'tests/models/test_registry_contracts.py:TINY; add one so it '
            'runs through the contract tests')


def build(name, request, seed=0, **overrides):
    if name not in TINY:
        pytest.fail(_no_tiny_config(name))
    kind = MODELS.get(name).component_kind
    cfg = dict(TINY[name](request), type=name, **overrides)
    if kind == 'delta':
        cfg['in_channels'] = list(IN_CHANNELS)
    elif kind == 'projector':
        cfg.update(image_channels=IMAGE_CHANNELS,
                   delta_channels=DELTA_CHANNELS, out_channels=WIDTH)
    torch.manual_seed(seed)
    part = MODELS.build(cfg)
    assert part.component_kind == kind
    return part


def inputs(part, seed=0):
    """A batch of what the part takes, by kind."""
    g = torch.Generator().manual_seed(seed)
    kind = part.component_kind
    if kind == 'encoder':
        return (torch.rand(B, 2, 3, 32, 32, generator=g), )
    if kind == 'delta':
        return (tuple(torch.randn(B, 2, c, s, s, generator=g)
                      for c, s in zip(IN_CHANNELS, SIDES)), )
    if kind == 'projector':
        return (torch.randn(B, 2 * 4, IMAGE_CHANNELS, generator=g),
                torch.randn(B, 3, DELTA_CHANNELS, generator=g))
    return (torch.randn(B, 5, part.embed_dims, generator=g),
            make_samples(CAPTIONS[:B]))


def swap(part, args):
    """The same batch with before and after exchanged."""
    if part.component_kind == 'encoder':
        return (args[0].flip(1), )
    return (tuple(f.flip(1) for f in args[0]), )


def outputs(part, args):
    """The part's result as a flat list of tensors (and captions)."""
    kind = part.component_kind
    if kind == 'encoder':
        return list(part(*args))
    if kind == 'delta':
        out = part(*args, need_attention=True)
        return [out.tokens] + ([out.attention]
                               if out.attention is not None else [])
    if kind == 'projector':
        return [part(*args)]
    out = part.predict(*args)
    return [part.loss(*args)['loss'], out.captions]


def assert_same(a, b):
    for x, y in zip(a, b):
        if isinstance(x, torch.Tensor):
            torch.testing.assert_close(x, y, rtol=0, atol=0)
        else:
            assert x == y


def own_state(module):
    """Every plain attribute of the module and its submodules."""
    return {(name, key): value
            for name, sub in module.named_modules()
            for key, value in vars(sub).items()
            if key not in ('_parameters', '_buffers', '_modules')}


# ----------------------------------------------------------------- tests
def test_every_registered_part_has_a_tiny_config():
    kinds = {kind for _, kind in PARTS}
    assert kinds == set(KINDS), f'the registry lists only {sorted(kinds)}'
    missing = [name for name, _ in PARTS if name not in TINY]
    assert not missing, '\n'.join(_no_tiny_config(n) for n in missing)


@pytest.mark.parametrize('name', _by_kind(*KINDS))
def test_output_follows_the_base_class_contract(name, request):
    part = build(name, request).eval()
    args = inputs(part)
    kind = part.component_kind
    with torch.no_grad():
        if kind == 'encoder':
            feats = part(*args)
            assert isinstance(feats, tuple)
            assert len(feats) == len(part.out_channels) > 0
            for feat, channels in zip(feats, part.out_channels):
                assert feat.shape[:3] == (B, 2, channels) and feat.dim() == 5
        elif kind == 'delta':
            out = part(*args)
            assert isinstance(out, DeltaOutput) and out.attention is None
            assert out.tokens.shape[0] == B and out.tokens.dim() == 3
            assert out.tokens.shape[2] == part.out_channels
            _check_attention(part, part(*args, need_attention=True))
        elif kind == 'projector':
            out = part(*args)
            assert out.shape == (B, 2 * 4 + 3, WIDTH)
            no_image = part(None, args[1][:, :0])  # no image, no delta
            assert no_image.shape == (B, 0, WIDTH)
        else:
            _check_decoder(part, args)


def _check_attention(part, out):
    if not part.exposes_attention:
        assert out.attention is None
        return
    assert out.attention is not None and out.attention.shape[0] == B
    # The layout comes with the result: one pair's maps can be drawn.
    maps = delta_attention_maps(out.attention[0], out.memory_shapes,
                                memory_groups=out.memory_groups)
    assert maps.shape[0] == 2 and maps.ndim == 3


def _check_decoder(part, args):
    loss = part.loss(*args)
    assert loss['loss'].ndim == 0 and torch.isfinite(loss['loss'])
    config = dict(vars(part))
    out = part.predict(*args)
    assert isinstance(out, DecoderOutput)
    assert len(out.captions) == B
    assert all(isinstance(c, str) for c in out.captions)
    if out.beams is not None:  # per sample, best first = the caption
        assert [b[0][0] for b in out.beams] == out.captions
    greedy = part.predict(*args, num_beams=1, max_length=2)
    assert greedy.beams is None
    assert all(len(c.split()) <= 2 for c in greedy.captions)
    # Decoding options are arguments: nothing on the decoder changed.
    assert dict(vars(part)) == config


@pytest.mark.parametrize('name', _by_kind(*KINDS))
def test_gradients_reach_every_trainable_parameter(name, request):
    if name in NOTHING_TO_TRAIN:
        pytest.skip(f'{name} {NOTHING_TO_TRAIN[name]}')
    part = build(name, request).train()
    args = inputs(part)
    kind = part.component_kind
    if kind == 'decoder':
        args = (args[0].requires_grad_(), args[1])
        loss = part.loss(*args)['loss']
    elif kind == 'delta':
        loss = part(*args).tokens.square().mean()
    elif kind == 'encoder':
        loss = sum(f.square().mean() for f in part(*args))
    else:
        loss = part(*args).square().mean()
    trainable = [(n, p) for n, p in part.named_parameters()
                 if p.requires_grad]
    if not trainable:
        assert name in SWAP_EXEMPT, f'{name} has nothing to train'
        return
    loss.backward()
    missed = [n for n, p in trainable if p.grad is None]
    assert not missed, f'{name}: no gradient reaches {missed}'
    if kind == 'decoder':  # the caption depends on the visual prefix
        assert args[0].grad.abs().sum() > 0


@pytest.mark.parametrize('name', _by_kind('encoder', 'delta'))
def test_swapping_before_and_after_changes_the_output(name, request):
    if name in SWAP_EXEMPT:
        pytest.skip(f'{name} {SWAP_EXEMPT[name]}')
    part = build(name, request).eval()
    args = inputs(part)
    with torch.no_grad():
        if part.component_kind == 'encoder':
            # Siamese: one shared network, so the features swap too.
            for f, g in zip(part(*args), part(*swap(part, args))):
                assert not torch.allclose(f[:, 0], f[:, 1])
                torch.testing.assert_close(g, f.flip(1))
            return
        tokens = part(*args).tokens
        swapped = part(*swap(part, args)).tokens
        assert not torch.allclose(tokens, swapped, atol=1e-5), \
            f'{name}: the tokens do not depend on which image came first'


@pytest.mark.parametrize('name', _by_kind('delta'))
def test_delta_keeps_no_state_from_forward(name, request):
    part = build(name, request).eval()
    state = own_state(part)
    with torch.no_grad():
        part(*inputs(part), need_attention=True)
        part(*inputs(part, seed=1))
    after = own_state(part)
    kept = sorted({k for k in after if k not in state or
                   after[k] is not state[k]})
    assert not kept, f'{name} keeps state from forward: {kept}'


@pytest.mark.parametrize('name', _by_kind(*KINDS))
def test_state_dict_round_trip_gives_identical_outputs(name, request):
    part = build(name, request).eval()
    with torch.no_grad():  # differ from any fresh build, pretrained or not
        for param in part.parameters():
            param.add_(0.05 * torch.randn_like(param))
    buffer = io.BytesIO()
    torch.save(part.state_dict(), buffer)
    buffer.seek(0)
    fresh = build(name, request, seed=1, **FRESH.get(name, {})).eval()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    args = inputs(part)
    with torch.no_grad():
        assert_same(outputs(part, args), outputs(fresh, args))

"""Every registered encoder, delta module, projector and decoder runs through
the conformance kit (``onediff_kit.testing``), found by listing the MODELS
registry (as timm's tests follow its registry): a new plugin gets the checks
for free.

Each class is built in miniature from :data:`TINY`; a registered class with
no entry there fails :func:`test_every_registered_part_has_a_tiny_config`
(and its own contract tests), naming it, so a new plugin is noticed.
The contracts are those of ``onediff_kit/contracts.py``: shapes and types
(``DeltaOutput``, ``DecoderOutput``), gradients reaching every trainable
parameter, swapping before and after changing the result, no state kept
from ``forward``, and a state_dict round trip giving identical outputs.
"""
import pytest

from model_helpers import tiny_decoder, tiny_encoder, tiny_vocab_file
from onediff_kit.registry import MODELS
from onediff_kit.testing import MODEL_PART_CHECKS, MODEL_PART_KINDS


def registered_parts():
    """``(name, kind)`` of every registered part (conftest called
    ``onediff_kit.init()``, so the plugins are in; the core's own modules
    come in through the registry's locations)."""
    MODELS.import_from_location()
    return sorted((name, cls.component_kind)
                  for name, cls in MODELS.module_dict.items()
                  if getattr(cls, 'component_kind', None) in MODEL_PART_KINDS)


PARTS = registered_parts()

# ------------------------------------------------------------ tiny configs
# name -> cfg(request); ``request.getfixturevalue`` fetches the tiny local
# Hugging Face models only for the classes that need them. The kit injects
# a delta's in_channels and a projector's widths.
TINY = {
    # encoders: input (2, 2, 3, 32, 32)
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
    # delta modules
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
    # projectors
    'MLPProjector': lambda request: dict(num_layers=2),
    # decoders: prefix (2, 5, embed_dims)
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
    'ExampleDelta': 'pools |B - A|, the same for both orders',
}


def _no_tiny_config(name):
    return (f'registered part {name} has no tiny config in '
            f'tests/models/test_registry_contracts.py:TINY; add one so it '
            'runs through the contract tests')


def test_every_registered_part_has_a_tiny_config():
    kinds = {kind for _, kind in PARTS}
    assert kinds == set(MODEL_PART_KINDS), \
        f'the registry lists only {sorted(kinds)}'
    missing = [name for name, _ in PARTS if name not in TINY]
    assert not missing, '\n'.join(_no_tiny_config(n) for n in missing)


@pytest.mark.parametrize('check', list(MODEL_PART_CHECKS))
@pytest.mark.parametrize('name', [name for name, _ in PARTS])
def test_part_follows_its_contract(name, check, request):
    if name not in TINY:
        pytest.fail(_no_tiny_config(name))
    if check == 'gradients' and name in NOTHING_TO_TRAIN:
        pytest.skip(f'{name} {NOTHING_TO_TRAIN[name]}')
    MODEL_PART_CHECKS[check](dict(TINY[name](request), type=name),
                             fresh_cfg=FRESH.get(name),
                             swap_exempt=SWAP_EXEMPT.get(name))

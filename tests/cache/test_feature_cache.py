"""CachedEncoder and its FeatureCache: cached training equals uncached,
keys invalidate, refusals, a state dict without the wrapper."""
import copy

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import get_state_dict, load_state_dict

from onediff_kit.cache import (CachedEncoder, FeatureCache, cache_summary,
                               feature_cache_of, without_feature_cache)
from onediff_kit.config_check import ConfigError
from onediff_kit.registry import MODELS
from tests.models.model_helpers import (make_pairs, make_samples,
                                        tiny_encoder, tiny_model)


def frozen_encoder():
    return dict(tiny_encoder(), frozen_stages='all')


def cached(encoder, cache_dir, in_eval=False):
    return dict(type='CachedEncoder', encoder=encoder,
                cache=dict(root=str(cache_dir), in_eval=in_eval))


def build(cache_dir=None, seed=0, in_eval=True, encoder=None, **kwargs):
    torch.manual_seed(seed)
    encoder = encoder or frozen_encoder()
    if cache_dir is not None:
        encoder = cached(encoder, cache_dir, in_eval)
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(tiny_model(encoder=encoder, **kwargs))
    model.feature_cache = feature_cache_of(model)
    if model.feature_cache is not None:
        model.feature_cache.pipeline_checked = True  # FeatureCacheHook's job
    return model


def batches():
    pairs = make_pairs(6, size=64)
    samples = make_samples()
    return [dict(inputs=pairs[:3], data_samples=samples[:3]),
            dict(inputs=pairs[3:], data_samples=samples[3:])]


def train_losses(model, steps):
    model.train()
    wrapper = OptimWrapper(torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3))
    data = batches()
    return [model.train_step(copy.deepcopy(data[i % 2]),
                             wrapper)['loss'].item()
            for i in range(steps)]


def test_cached_training_gives_the_uncached_losses(tmp_path):
    plain = train_losses(build(), 4)
    cached_model = build(tmp_path / 'cache')
    cached = train_losses(cached_model, 4)
    # Steps 1-2 fill the cache, steps 3-4 are served from it.
    assert cached_model.feature_cache.misses == 12
    assert cached_model.feature_cache.hits == 12
    np.testing.assert_allclose(cached, plain, rtol=1e-5, atol=1e-6)
    # A second model (another process, a resumed run) reads the entries.
    again = build(tmp_path / 'cache')
    assert train_losses(again, 2) == pytest.approx(plain[:2], rel=1e-5)
    assert again.feature_cache.misses == 0


def encode(model, pairs):
    inputs = model.data_preprocessor(dict(inputs=pairs))['inputs']
    model.eval()
    with torch.no_grad():
        return model.encoder(inputs)


def test_eval_mode_reads_the_cache_only_with_in_eval(tmp_path):
    pairs = make_pairs(2, size=64)
    model = build(tmp_path / 'cache', in_eval=False)
    plain = encode(model, pairs)  # validation, test: the encoder runs
    assert (model.feature_cache.hits, model.feature_cache.misses) == (0, 0)
    assert cache_summary(str(tmp_path / 'cache')) == []
    model = build(tmp_path / 'cache', in_eval=True)
    for got, want in zip(encode(model, pairs), plain):
        torch.testing.assert_close(got, want)
    assert model.feature_cache.misses == 4


def test_every_key_part_invalidates(tmp_path):
    model = build(tmp_path / 'cache')
    cache = model.feature_cache
    pairs = make_pairs(2, size=64)
    encode(model, pairs)
    assert (cache.hits, cache.misses) == (0, 4)
    encode(model, pairs)
    assert (cache.hits, cache.misses) == (4, 4)

    # Image bytes (or any transform parameter: they change the pixels).
    changed = [p.clone() for p in pairs]
    changed[0][1, 0, 0, 0] ^= 1
    encode(model, changed)
    assert (cache.hits, cache.misses) == (7, 5)

    # The preprocessor's normalisation is in the pixels too.
    model.data_preprocessor.mean += 1
    encode(model, pairs)
    assert cache.misses == 9
    model.data_preprocessor.mean -= 1

    # Weights: an in-place change of one weight serves new features.
    with torch.no_grad():
        next(model.encoder.parameters()).add_(0.5)
    feats = encode(model, pairs)
    assert cache.misses == 13
    with torch.no_grad():
        expect = model.encoder.encoder(model.data_preprocessor(
            dict(inputs=pairs))['inputs'])
    for f, e in zip(feats, expect):
        torch.testing.assert_close(f, e)

    # Encoder config (same weights): another namespace.
    other = build(tmp_path / 'cache',
                  encoder=dict(frozen_encoder(), probe_size=32))
    other.load_state_dict(model.state_dict())
    encode(other, pairs)
    assert other.feature_cache.misses == 4
    assert len(cache_summary(str(tmp_path / 'cache'))) == 3


def test_bfloat16_autocast_is_part_of_the_key(tmp_path):
    model = build(tmp_path / 'cache')
    pairs = make_pairs(1, size=64)
    encode(model, pairs)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        feats = encode(model, pairs)
    assert model.feature_cache.misses == 4
    assert feats[0].dtype == torch.bfloat16


def test_refuses_a_trainable_encoder(tmp_path):
    model = build(tmp_path, encoder=tiny_encoder())
    with pytest.raises(ConfigError, match='trainable parameters'):
        train_losses(model, 1)


def test_refuses_a_later_stage_that_unfreezes_the_encoder(tmp_path):
    model = build(tmp_path, encoder=tiny_encoder(),
                  trainable=('delta', 'projector', 'decoder'))
    train_losses(model, 1)  # stage 1: the encoder is frozen
    model.set_trainable(None)  # stage 2 trains everything
    with pytest.raises(ConfigError, match='encoder has .* trainable'):
        train_losses(model, 1)


def test_training_needs_the_pipeline_check(tmp_path):
    model = build(tmp_path)
    model.feature_cache.pipeline_checked = False
    with pytest.raises(ConfigError, match='FeatureCacheHook'):
        train_losses(model, 1)


def test_bad_cache_arguments_are_named():
    with pytest.raises(ConfigError, match='dtype'):
        FeatureCache('cache', dtype='int8')
    with pytest.raises(ConfigError, match='root'):
        MODELS.build(dict(type='CachedEncoder', encoder=frozen_encoder(),
                          cache=dict(dtype='float16')))


def test_the_state_dict_has_no_wrapper_level(tmp_path):
    cached_model = build(tmp_path / 'cache', seed=1)
    assert isinstance(cached_model.encoder, CachedEncoder)
    plain = build(seed=2)
    state = cached_model.state_dict()
    assert list(state) == list(plain.state_dict())
    # Trained with the cache, captioned without it, and back.
    plain.load_state_dict(state)
    for key, value in plain.state_dict().items():
        if isinstance(value, torch.Tensor):
            torch.testing.assert_close(value, state[key])
    # mmengine's checkpoint functions walk the modules themselves.
    assert list(get_state_dict(cached_model)) == list(state)
    other = build(tmp_path / 'cache', seed=3)
    load_state_dict(other, get_state_dict(plain), strict=True)
    pairs = make_pairs(2, size=64)
    for a, b in zip(encode(other, pairs), encode(plain, pairs)):
        torch.testing.assert_close(a, b)
    wrapper = cached(frozen_encoder(), tmp_path)
    assert without_feature_cache(wrapper) == frozen_encoder()
    assert without_feature_cache(frozen_encoder()) == frozen_encoder()


def test_refuses_an_encoder_that_mixes_the_two_images(tmp_path):
    class Mixing(torch.nn.Module):
        def forward(self, x):
            return (x - x.flip(1).mean(dim=(3, 4), keepdim=True),)

    cache = FeatureCache(str(tmp_path))
    with pytest.raises(ConfigError, match='independently'):
        cache(Mixing().eval(), torch.rand(2, 2, 3, 8, 8))

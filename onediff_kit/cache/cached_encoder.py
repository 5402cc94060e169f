"""An encoder wrapper that serves a frozen encoder's features from disk."""
import torch

from onediff_kit.cache.feature_cache import FeatureCache
from onediff_kit.config_check import ConfigError
from onediff_kit.contracts import BaseEncoder
from onediff_kit.registry import MODELS

WRAPPED = 'encoder.'


@MODELS.register_module()
class CachedEncoder(BaseEncoder):
    """Wraps any encoder with a :class:`FeatureCache`: each image's
    features are computed once and read from disk afterwards.

    A forward with autograd on (a training step) reads and fills the cache;
    one under ``torch.no_grad`` (validation, test, captioning) does so only
    with ``in_eval=True``, and otherwise runs the encoder. The wrapped
    encoder must stay frozen (the cache refuses trainable parameters), and
    training needs ``FeatureCacheHook`` to have checked that no pipeline
    draws random transforms per visit.

    The state dict is the wrapped encoder's, without a level of its own:
    a checkpoint trained with the cache loads into the same model without
    it, and the other way round.

    Args:
        encoder (dict): config of the encoder to wrap
            (``component_kind='encoder'``); part of the cache key.
        cache (dict): arguments of :class:`FeatureCache`: ``root`` (the
            cache directory), ``dtype`` (``float32`` or ``float16``) and
            ``in_eval``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, encoder, cache, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(cache, dict) or not cache.get('root'):
            raise ConfigError('CachedEncoder.cache needs root, the cache '
                              f'directory; got {cache!r}')
        self.encoder = MODELS.build(encoder)
        self.out_channels = self.encoder.out_channels
        self.cache = FeatureCache(encoder_cfg=encoder, **cache)
        self.register_state_dict_post_hook(_drop_wrapper_level)
        self.register_load_state_dict_pre_hook(_add_wrapper_level)

    def forward(self, images):
        training = torch.is_grad_enabled()
        if not (training or self.cache.in_eval):
            return self.encoder(images)
        if training and not self.cache.pipeline_checked:
            raise ConfigError(
                'CachedEncoder trains from its feature cache, but '
                'FeatureCacheHook has not checked the train pipelines for '
                "random transforms; add dict(type='FeatureCacheHook') to "
                'custom_hooks')
        return self.cache(self.encoder, images)


def _drop_wrapper_level(module, state_dict, prefix, local_metadata):
    inner = prefix + WRAPPED
    for key in [k for k in state_dict if k.startswith(inner)]:
        state_dict[prefix + key[len(inner):]] = state_dict.pop(key)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:  # the module versions, keyed without the dot
        metadata.pop(inner[:-1], None)
        for key in [k for k in metadata if k.startswith(inner)]:
            metadata[prefix + key[len(inner):]] = metadata.pop(key)


def _add_wrapper_level(module, state_dict, prefix, *args):
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[prefix + WRAPPED + key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        for key in [k for k in metadata
                    if k.startswith(prefix) and k != prefix[:-1]]:
            metadata[prefix + WRAPPED + key[len(prefix):]] = metadata.pop(key)


def without_feature_cache(encoder_cfg):
    """The config of the encoder inside a ``CachedEncoder`` config (any
    other encoder config as it is): the same weights, no disk."""
    while encoder_cfg.get('type') in ('CachedEncoder', CachedEncoder):
        encoder_cfg = encoder_cfg['encoder']
    return encoder_cfg

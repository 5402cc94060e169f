"""Checks a feature cache's pipelines and logs its hit rate and size."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from onediff_kit.cache.cached_encoder import CachedEncoder
from onediff_kit.config_check import (ConfigError, dataloader_cfgs,
                                      dataset_cfgs)
from onediff_kit.registry import HOOKS, TRANSFORMS


def draws_per_visit(transform):
    """Whether a transform (config or object) draws new random numbers on
    every visit: an mmcv ``@cache_randomness`` method or a ``Random...``
    class name, unless its class answers itself with a classmethod
    ``draws_per_visit(args, draws)`` (its constructor arguments, and this
    function for inner transforms), as a wrapper that fixes the draws
    (e.g. ``FixedVariants``) does."""
    if isinstance(transform, dict):
        type_ = transform.get('type')
        cls = TRANSFORMS.get(type_) if isinstance(type_, str) else type_
        args = transform
    else:
        cls = type(transform)
        args = vars(transform)
    own_answer = getattr(cls, 'draws_per_visit', None)
    if own_answer is not None:
        return own_answer(args, draws_per_visit)
    name = getattr(cls, '__name__', str(cls))
    return bool(getattr(cls, '_methods_with_randomness', None)) or \
        name.startswith('Random')


def check_cacheable_pipelines(cfg):
    """Raise :class:`ConfigError` naming the first transform that draws
    per visit in a pipeline of ``cfg``."""
    for key, loader in dataloader_cfgs(cfg):
        for where, dataset in dataset_cfgs(loader.get('dataset'),
                                           key + '.dataset'):
            for i, transform in enumerate(dataset.get('pipeline') or ()):
                if draws_per_visit(transform):
                    name = (transform.get('type') if isinstance(
                        transform, dict) else type(transform).__name__)
                    raise ConfigError(
                        f'the feature cache (CachedEncoder) is on, but '
                        f'{where}.pipeline[{i}] ({name}) draws new random '
                        'numbers on every visit, so every visit would be a '
                        'new cache entry. Wrap it in a transform that fixes K '
                        'variants per sample (docs/feature_cache.md; '
                        '`onediff list` shows the registered transforms), '
                        'drop it, or train with the encoder unwrapped')


def feature_cache_of(model):
    """The :class:`FeatureCache` of the first :class:`CachedEncoder` in
    ``model``, or None."""
    for module in model.modules():
        if isinstance(module, CachedEncoder):
            return module.cache
    return None


@HOOKS.register_module()
class FeatureCacheHook(Hook):
    """Makes a model's feature cache safe to train with and visible.

    Does nothing for a model without a :class:`CachedEncoder` among its
    modules. Before the run it checks that no train, validation or test
    pipeline draws random transforms per visit (``FixedVariants`` is
    allowed) and marks the cache checked; it logs the
    cache's size before and after training and puts the hit rate of the
    images seen since the last iteration into the training log
    (``cache_hit``).

    Args:
        priority (str): hook priority. Defaults to 'NORMAL'.
    """

    def __init__(self, priority='NORMAL'):
        self.priority = priority
        self._seen = (0, 0)

    @staticmethod
    def _cache(runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        return feature_cache_of(model)

    def before_run(self, runner):
        cache = self._cache(runner)
        if cache is None:
            return
        check_cacheable_pipelines(runner.cfg)
        cache.pipeline_checked = True
        print_log(f'feature cache on: {cache.root} (stored as {cache.dtype})',
                  logger='current')
        cache.log_summary()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        cache = self._cache(runner)
        if cache is None:
            return
        hits, misses = cache.hits - self._seen[0], cache.misses - self._seen[1]
        self._seen = (cache.hits, cache.misses)
        if hits + misses:
            runner.message_hub.update_scalar('train/cache_hit',
                                             hits / (hits + misses))

    def after_train(self, runner):
        cache = self._cache(runner)
        if cache is None:
            return
        total = cache.hits + cache.misses
        rate = cache.hits / total if total else 0.0
        print_log(f'feature cache: {cache.hits} hits, {cache.misses} misses '
                  f'({rate:.1%} hit rate) over {total} images, '
                  f'{cache.bytes_written / 2**20:.1f} MiB written',
                  logger='current')
        cache.log_summary()

from onediff_kit.cache.cached_encoder import (CachedEncoder,
                                              without_feature_cache)
from onediff_kit.cache.feature_cache import (FeatureCache, cache_summary,
                                             image_digest, weights_digest)
from onediff_kit.cache.feature_cache_hook import (FeatureCacheHook,
                                                  check_cacheable_pipelines,
                                                  feature_cache_of)

__all__ = [
    'CachedEncoder', 'FeatureCache', 'FeatureCacheHook', 'cache_summary',
    'check_cacheable_pipelines', 'feature_cache_of', 'image_digest',
    'weights_digest', 'without_feature_cache'
]

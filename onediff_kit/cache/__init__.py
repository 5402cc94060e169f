from onediff_kit.cache.feature_cache import (FeatureCache, cache_summary,
                                             image_digest, weights_digest)
from onediff_kit.cache.feature_cache_hook import (FeatureCacheHook,
                                                  check_cacheable_pipelines)

__all__ = [
    'FeatureCache', 'FeatureCacheHook', 'cache_summary',
    'check_cacheable_pipelines', 'image_digest', 'weights_digest'
]

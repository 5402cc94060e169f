from onediff_kit.models.bases import (BaseDecoder, BaseDelta, BaseEncoder,
                                      BaseProjector)

__all__ = ['BaseEncoder', 'BaseDelta', 'BaseProjector', 'BaseDecoder']

"""No delta module: the decoder sees only the image tokens."""
from onediff_kit.contracts import BaseDelta, DeltaOutput
from onediff_kit.registry import MODELS


@MODELS.register_module()
class NoDelta(BaseDelta):
    """Returns zero delta tokens ``(B, 0, C)``; the ablation without a delta.

    Args:
        in_channels (sequence[int]): channels per encoder level (injected).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, in_channels, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.out_channels = in_channels[-1]

    def forward(self, feats, need_attention=False):
        """No tokens ``(B, 0, C)`` and no attention."""
        feat = feats[-1]
        return DeltaOutput(feat.new_zeros(feat.shape[0], 0,
                                          self.out_channels))

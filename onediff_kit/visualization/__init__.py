"""Drawing image pairs, captions and delta-token attention."""
from onediff_kit.visualization.attention_maps import delta_attention_maps
from onediff_kit.visualization.draw import (NO_ATTENTION_NOTE,
                                            draw_diff_caption)
from onediff_kit.visualization.hook import DiffVisualizationHook

__all__ = ['DiffVisualizationHook', 'NO_ATTENTION_NOTE',
           'delta_attention_maps', 'draw_diff_caption']

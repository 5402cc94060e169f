"""Draw a few validation pairs at each evaluation during training."""
import os.path as osp
import re

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from onediff_kit.registry import HOOKS
from onediff_kit.visualization.attention_maps import delta_attention_maps
from onediff_kit.visualization.draw import draw_diff_caption


def _safe_name(text):
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', str(text)).strip('_') or 'pair'


@HOOKS.register_module()
class DiffVisualizationHook(Hook):
    """Write one PNG per validation pair for the first few pairs.

    At every ``interval``-th evaluation the first ``num_samples`` pairs of
    the validation set are drawn (before and after as the model saw them,
    the generated and reference captions and, for delta modules that
    expose their attention, the delta tokens' heat maps; see
    :func:`draw_diff_caption`) into ``{work_dir}/{out_dir}/iter_{N}/``.
    The figures also go to ``runner.visualizer.add_image``, so a
    configured ``TensorboardVisBackend`` shows them. The heat maps are
    drawn from the predictions' ``delta_attention`` (``OneDiff.predict``
    asks the delta module for its attention); the hook changes nothing on
    the model. Only the main process draws.

    Args:
        num_samples (int): pairs drawn per evaluation. Defaults to 4.
        interval (int): draw at every ``interval``-th evaluation. Defaults
            to 1.
        out_dir (str): folder under ``work_dir``. Defaults to ``'vis'``.
        add_to_visualizer (bool): also call ``runner.visualizer.add_image``.
            Defaults to True.
        max_side (int): images are drawn at most this large. Defaults to
            320.
    """
    priority = 'LOW'

    def __init__(self, num_samples=4, interval=1, out_dir='vis',
                 add_to_visualizer=True, max_side=320):
        for name, value in (('num_samples', num_samples),
                            ('interval', interval), ('max_side', max_side)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'DiffVisualizationHook.{name} must be a '
                                 f'positive integer, got {value!r}')
        self.num_samples = num_samples
        self.interval = interval
        self.out_dir = out_dir
        self.add_to_visualizer = add_to_visualizer
        self.max_side = max_side
        self._evaluations = 0
        self._drawn = 0
        self._active = False

    def before_val_epoch(self, runner):
        self._evaluations += 1
        self._drawn = 0
        self._active = (is_main_process() and
                        self._evaluations % self.interval == 0)

    def after_val_epoch(self, runner, metrics=None):
        self._active = False

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None):
        if not self._active or self._drawn >= self.num_samples or \
                not outputs or data_batch is None:
            return
        folder = osp.join(runner.work_dir, self.out_dir, f'iter_{runner.iter}')
        inputs = data_batch['inputs']
        for i, sample in enumerate(outputs):
            if self._drawn >= self.num_samples:
                break
            pair = inputs[i]
            if isinstance(pair, torch.Tensor):
                pair = pair.detach().cpu()
            before, after = (np.ascontiguousarray(
                np.asarray(pair[k]).transpose(1, 2, 0)).astype(np.uint8)
                for k in (0, 1))
            attention = sample.get('delta_attention')
            maps = (None if attention is None else
                    delta_attention_maps(attention))  # scaled to [0, 1]
            pair_id = sample.metainfo.get('pair_id', f'{batch_idx}_{i}')
            name = _safe_name(pair_id)
            image = draw_diff_caption(
                before, after, sample.get('pred_caption', ''),
                sample.metainfo.get('captions', ()), attention_maps=maps,
                out_file=osp.join(folder, f'{name}.png'),
                title=f'{pair_id} (iter {runner.iter})',
                max_side=self.max_side)
            if self.add_to_visualizer:
                # No '/' in the name: LocalVisBackend writes name_step.png
                # and cv2 does not create the sub-folder a '/' would need.
                runner.visualizer.add_image(f'diff_caption_{name}', image,
                                            step=runner.iter)
            self._drawn += 1

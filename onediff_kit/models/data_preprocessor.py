"""Stack image pairs, normalise them and move them to the model's device."""
import torch
from mmengine.model import BaseDataPreprocessor

from onediff_kit.registry import MODELS


@MODELS.register_module()
class DiffDataPreprocessor(BaseDataPreprocessor):
    """Turns a ``pseudo_collate`` batch of pairs into one float tensor.

    Input: ``inputs`` is a list of uint8 tensors ``(2, 3, H, W)`` (index 0 =
    before, 1 = after; all the same size) or an already stacked
    ``(B, 2, 3, H, W)`` tensor; ``data_samples`` a list of DiffDataSample.
    Output: ``inputs`` float ``(B, 2, 3, H, W)``, ``(x - mean) / std``.

    Args:
        mean (sequence[float]): per-channel mean, on the 0-255 scale.
            Defaults to ImageNet's.
        std (sequence[float]): per-channel std, on the 0-255 scale.
        non_blocking (bool): non-blocking copy to the device.
    """
    component_kind = 'data_preprocessor'

    def __init__(self, mean=(123.675, 116.28, 103.53),
                 std=(58.395, 57.12, 57.375), non_blocking=False):
        super().__init__(non_blocking=non_blocking)
        if len(mean) != 3 or len(std) != 3:
            raise ValueError('data_preprocessor mean and std need 3 values '
                             f'each, got mean={mean}, std={std}')
        self.register_buffer('mean', torch.tensor(mean).view(1, 1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 1, 3, 1, 1),
                             persistent=False)

    def forward(self, data, training=False):
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) != 1:
                raise ValueError(
                    'DiffDataPreprocessor needs every pair in a batch at the '
                    f'same size; got {sorted(shapes)}. Resize in the '
                    'pipeline.')
            inputs = torch.stack(list(inputs))
        if inputs.dim() != 5 or inputs.shape[1:3] != (2, 3):
            raise ValueError('DiffDataPreprocessor expects pairs shaped '
                             f'(B, 2, 3, H, W), got {tuple(inputs.shape)}')
        inputs = (inputs.float() - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))

"""A tiny model and dataset for tests of the training machinery."""
import torch
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset


class TinyRegressor(BaseModel):
    """Fits y = 2x with one linear layer."""

    def __init__(self, width=4, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear = nn.Linear(width, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs)
        pred = self.linear(x).squeeze(-1)
        if mode == 'loss':
            return dict(loss=((pred - 2 * x.sum(-1))**2).mean())
        return pred


class TinyPairs(Dataset):
    """Deterministic random vectors."""

    def __init__(self, length=32, width=4):
        gen = torch.Generator().manual_seed(0)
        self.data = torch.randn(length, width, generator=gen)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return dict(inputs=self.data[index])


class TinyPlugin:
    """An in-process plugin registering the tiny components."""

    from onediff_kit.hookspecs import hookimpl

    @staticmethod
    @hookimpl
    def onediff_register_components(registries):
        registries.MODELS.register_module(module=TinyRegressor, force=True)
        registries.DATASETS.register_module(module=TinyPairs, force=True)

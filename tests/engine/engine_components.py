"""Tiny components for the engine tests, registered on import.

Configs load them with ``custom_imports=dict(imports=[__name__])``, so they
exist in torchrun's and the killed trainer's child processes too (with the
repository root on PYTHONPATH).
"""
import json
import os
import time

import torch
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset

from onediff_kit.registry import DATASETS, HOOKS, METRICS, MODELS


@MODELS.register_module(force=True)
class DropoutRegressor(BaseModel):
    """Fits y = 2 * sum(x) with dropout, so training draws random numbers.

    Args:
        width (int): input size.
        dropout (float): dropout probability on the input.
        data_preprocessor (dict, optional): as for BaseModel.
    """

    def __init__(self, width=4, dropout=0.0, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear = nn.Linear(width, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs)
        pred = self.linear(self.dropout(x)).squeeze(-1)
        if mode == 'loss':
            return dict(loss=((pred - 2 * x.sum(-1))**2).mean())
        if mode == 'predict':
            # pseudo_collate turned the items' dicts into dict(index=[...])
            return [
                dict(pred=float(p), target=float(t), index=int(i))
                for p, t, i in zip(pred, 2 * x.sum(-1),
                                   data_samples['index'])
            ]
        return pred


@DATASETS.register_module(force=True)
class IndexedPairs(Dataset):
    """Deterministic random vectors that know their index.

    Args:
        length (int): number of items.
        width (int): vector size.
        inf_at (int, optional): this item's vector is all ``inf``.
    """

    def __init__(self, length=32, width=4, inf_at=None):
        gen = torch.Generator().manual_seed(0)
        self.data = torch.randn(length, width, generator=gen)
        if inf_at is not None:
            self.data[inf_at] = float('inf')

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return dict(inputs=self.data[index], data_samples=dict(index=index))


@METRICS.register_module(force=True)
class IndexRecordingMetric(BaseMetric):
    """MSE that also writes, on rank 0, which sample indices it was given.

    Args:
        out_file (str): JSON file for the gathered indices.
    """
    default_prefix = 'tiny'

    def __init__(self, out_file, **kwargs):
        super().__init__(**kwargs)
        self.out_file = out_file

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        indices = [r['index'] for r in results]
        with open(self.out_file, 'w') as f:
            json.dump(indices, f)
        mse = sum((r['pred'] - r['target'])**2 for r in results) / len(results)
        return dict(mse=mse, num_samples=len(results))


@HOOKS.register_module(force=True)
class PauseAfterIterHook(Hook):
    """Signals and then hangs after an iteration, for a test to kill it.

    Only pauses while ``flag_file`` does not exist yet, so the resumed run
    goes on.

    Args:
        pause_after (int): the 1-based iteration after which to hang.
        flag_file (str): created when the pause starts.
    """
    priority = 'LOWEST'  # after the checkpoint hook

    def __init__(self, pause_after, flag_file):
        self.pause_after = pause_after
        self.flag_file = flag_file

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 != self.pause_after or os.path.exists(
                self.flag_file):
            return
        with open(self.flag_file, 'w') as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(1)

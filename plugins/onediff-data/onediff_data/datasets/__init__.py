"""Pair datasets: from a manifest, coupled singles, and task mixtures."""
from .coupled_sample_dataset import CoupledSampleDataset
from .diff_caption_dataset import DiffCaptionDataset
from .multi_task_dataset import MultiTaskDataset
from .single_image_manifest import load_single_image_manifest

__all__ = [
    'CoupledSampleDataset', 'DiffCaptionDataset', 'MultiTaskDataset',
    'load_single_image_manifest'
]

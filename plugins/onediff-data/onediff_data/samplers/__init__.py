"""Samplers for mixed multi-task training."""
from .mixed_task_sampler import MixedTaskSampler

__all__ = ['MixedTaskSampler']

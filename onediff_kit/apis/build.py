"""What a captioner is built from: the config, the device and the test
dataset (its pipeline and prompts), each with an error naming the file."""
import os.path as osp

import torch


class CaptionerError(RuntimeError):
    """The config or the checkpoint cannot make a captioner; the message
    names the file and the reason."""


def load_config(config, cfg_options=None):
    """An mmengine Config from a path (or a Config), with overrides.

    Args:
        config (str | Path | Config): the config file or object.
        cfg_options (dict, optional): dotted keys to override.

    Raises:
        FileNotFoundError: the file does not exist.
        CaptionerError: the file does not parse or has no ``model``.
    """
    from mmengine.config import Config
    if isinstance(config, Config):
        cfg = config.copy()
        name = cfg.filename or '<Config>'
    else:
        name = str(config)
        if not osp.isfile(name):
            raise FileNotFoundError(f'config {name} not found')
        try:
            cfg = Config.fromfile(name)
        except Exception as exc:
            raise CaptionerError(f'cannot read config {name}: '
                                 f'{type(exc).__name__}: {exc}') from None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if not isinstance(cfg.get('model'), dict):
        raise CaptionerError(f'config {name} has no `model` dict')
    return cfg


def resolve_device(device=None):
    """``None`` -> ``'cuda'`` when available, else ``'cpu'``; check others.
    """
    if device is None:
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f'bad device {device!r}: {exc}') from None
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise CaptionerError(f'device {str(device)!r} asked for but CUDA is '
                             'not available; use device="cpu"')
    return device


def build_inference_dataset(cfg, name):
    """The config's test (else val) dataset, built without reading its
    annotations (``lazy_init=True``): its ``pipeline`` and ``prompts``.

    Raises:
        CaptionerError: no such dataset config, it does not build, or its
            class does not declare prompts (``PromptedDatasetMixin``).
    """
    from onediff_kit.contracts import PromptedDatasetMixin
    from onediff_kit.registry import DATASETS
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        if isinstance(dataset, dict) and dataset.get('pipeline'):
            break
    else:
        raise CaptionerError(
            f'config {name}: no test_dataloader.dataset.pipeline (or '
            'val_dataloader.dataset.pipeline) to prepare images with')
    try:
        built = DATASETS.build(dict(dataset, lazy_init=True))
    except Exception as exc:
        raise CaptionerError(f'config {name}: {key}.dataset: '
                             f'{type(exc).__name__}: {exc}') from None
    if not isinstance(built, PromptedDatasetMixin):
        raise CaptionerError(
            f'config {name}: {key}.dataset is a {type(built).__name__}, '
            'which declares no task prompts; captioning needs a dataset '
            'class with onediff_kit.contracts.'
            'PromptedDatasetMixin')
    return built

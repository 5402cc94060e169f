"""Caption image pairs with a trained OneDiff checkpoint, in a few lines.

    >>> from onediff_kit.apis import DiffCaptioner
    >>> captioner = DiffCaptioner('configs/onediff/x.py', 'iter_8000.pth')
    >>> captioner.caption('before.png', 'after.jpg')
    'the red cube is gone .'
"""
import contextlib
import inspect
import os.path as osp

import numpy as np
import torch

from onediff_kit.apis.image_inputs import is_path, to_rgb_array
from onediff_kit.runtime import init

FALLBACK_PROMPT = 'Describe the difference between the two images.'


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


def _dataset_cfg(cfg):
    """The test (else val) dataset config that holds the pipeline."""
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        dataset = loader.get('dataset') if isinstance(loader, dict) else None
        if isinstance(dataset, dict) and dataset.get('pipeline'):
            return key, dataset
    raise CaptionerError(
        f'config {cfg.filename}: no test_dataloader.dataset.pipeline (or '
        'val_dataloader.dataset.pipeline) to prepare images with')


def _is_loader(transform_cfg):
    return str(transform_cfg.get('type', '')).split('.')[-1] == 'LoadImagePair'


class DiffCaptioner:
    """Build a OneDiff model from a config, load a checkpoint, caption.

    The checkpoint alone provides the decoder's tokenizer (it is stored in
    the decoder's state), so the training manifests named in
    ``decoder.vocab_manifests`` are not read. Images go through the
    config's test pipeline (``test_dataloader.dataset.pipeline``): file
    paths through all of it (``LoadImagePair`` and its guards), in-memory
    images (PIL or numpy; grey, RGBA, palette, 16-bit) converted to RGB and
    handed to the transforms after ``LoadImagePair``. The two images of a
    pair may differ in size and format.

    Args:
        config (str | Path | Config): the training config.
        checkpoint (str | Path): a checkpoint of that config's model.
        device (str | torch.device, optional): ``'cpu'``, ``'cuda'``,
            ``'cuda:1'``; None picks CUDA when available.
        num_beams (int, optional): beam size (1 = greedy); None keeps the
            config's ``decoder.num_beams``.
        max_length (int, optional): most generated tokens; None keeps the
            config's ``decoder.max_length``.
        task (str, optional): task whose prompt the decoder gets (a key of
            the dataset's ``task_prompts``); None = the first one.
        prompt (str, optional): a prompt given directly (beats ``task``).
        batch_size (int): pairs per forward pass in :meth:`caption_batch`.
        cfg_options (dict, optional): config overrides (dotted keys).
        strict (bool): the checkpoint must fit the model exactly. Keep True:
            a missing decoder state would leave the tokenizer unloaded.

    Raises:
        FileNotFoundError: the config or checkpoint file is missing.
        CaptionerError: the config cannot be read or built, the checkpoint
            cannot be loaded or does not fit the model, or CUDA is missing.
    """

    def __init__(self, config, checkpoint, device=None, num_beams=None,
                 max_length=None, task=None, prompt=None, batch_size=8,
                 cfg_options=None, strict=True):
        from mmengine.registry import DefaultScope
        init()  # plugins, safe checkpoint loading (idempotent)
        self.cfg = load_config(config, cfg_options)
        self.config_name = str(self.cfg.filename or config)
        self.checkpoint = str(checkpoint)
        self.device = resolve_device(device)
        self.num_beams = (None if num_beams is None else
                          _positive_int(num_beams, 'num_beams'))
        self.max_length = (None if max_length is None else
                           _positive_int(max_length, 'max_length'))
        self.task = task
        self.prompt = prompt
        self.batch_size = _positive_int(batch_size, 'batch_size')
        with DefaultScope.overwrite_default_scope('onediff_kit'):
            self.model = self._build_model(strict)
            self._build_pipeline()

    # ------------------------------------------------------------ set-up
    def _build_model(self, strict):
        from mmengine.runner.checkpoint import load_checkpoint

        from onediff_kit.registry import MODELS
        model_cfg = self.cfg.model.copy()
        decoder = model_cfg.get('decoder')
        # The tokenizer comes from the checkpoint: don't read the training
        # manifests (slow, and usually absent where captions are made).
        if isinstance(decoder, dict) and 'vocab_manifests' in decoder:
            model_cfg['decoder'] = dict(decoder, vocab_manifests=[])
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(f'checkpoint {self.checkpoint} not found')
        try:
            model = MODELS.build(model_cfg)
        except Exception as exc:
            raise CaptionerError(
                f'config {self.config_name}: cannot build the model: '
                f'{type(exc).__name__}: {exc}') from None
        try:
            load_checkpoint(model, self.checkpoint, map_location='cpu',
                            strict=strict, logger='current')
        except Exception as exc:
            first = str(exc).strip().splitlines()
            raise CaptionerError(
                f'cannot load checkpoint {self.checkpoint} into the model of '
                f'{self.config_name}: {type(exc).__name__}: '
                f'{" ".join(first[:6])}') from None
        return model.to(self.device).eval()

    def _build_pipeline(self):
        from onediff_kit.registry import DATASETS, TRANSFORMS
        key, dataset = _dataset_cfg(self.cfg)
        steps = list(dataset['pipeline'])
        try:
            built = [TRANSFORMS.build(t) if isinstance(t, dict) else t
                     for t in steps]
        except Exception as exc:
            raise CaptionerError(
                f'config {self.config_name}: {key}.dataset.pipeline: '
                f'{type(exc).__name__}: {exc}') from None
        loads = [i for i, t in enumerate(steps)
                 if isinstance(t, dict) and _is_loader(t)]
        self.loader = built[loads[0]] if loads else None
        self.transforms = built[loads[0] + 1:] if loads else built
        self.task_prompts = dict(dataset.get('task_prompts') or
                                 self.cfg.get('task_prompts') or {})
        default = dataset.get('default_prompt')
        if default is None:
            cls = DATASETS.get(dataset.get('type', ''))
            param = (inspect.signature(cls).parameters.get('default_prompt')
                     if inspect.isclass(cls) else None)
            default = (param.default if param is not None and
                       param.default is not inspect.Parameter.empty else
                       FALLBACK_PROMPT)
        self.default_prompt = default

    # ----------------------------------------------------------- options
    def prompt_for(self, task=None, prompt=None):
        """The decoder prompt for a call's ``task``/``prompt`` options.

        Order: ``prompt``, ``task``, the constructor's ``prompt`` and
        ``task``, the first of the config's ``task_prompts``, the dataset's
        default prompt.

        Raises:
            KeyError: an unknown task (the message lists the known ones).
        """
        prompt = prompt if prompt is not None else (
            None if task is not None else self.prompt)
        if prompt is not None:
            return prompt
        task = task if task is not None else self.task
        if task is not None:
            if task not in self.task_prompts:
                known = ', '.join(self.task_prompts) or 'none'
                raise KeyError(f'unknown task {task!r}; the config\'s '
                               f'task_prompts have: {known}')
            return self.task_prompts[task]
        if self.task_prompts:
            return next(iter(self.task_prompts.values()))
        return self.default_prompt

    def _task_name(self, task, prompt):
        if prompt is not None or (task is None and self.prompt is not None):
            return task
        task = task if task is not None else self.task
        if task is None and self.task_prompts:
            return next(iter(self.task_prompts))
        return task

    @contextlib.contextmanager
    def decoding(self, num_beams=None, max_length=None):
        """Temporarily set the decoder's ``num_beams`` and ``max_length``.

        Args:
            num_beams (int, optional): beam size; None keeps the current.
            max_length (int, optional): most tokens; None keeps the current.
        """
        decoder = self.model.decoder
        changes = {}
        for name, value in (('num_beams', num_beams),
                            ('max_length', max_length)):
            if value is None:
                continue
            if not hasattr(decoder, name):
                raise ValueError(f'{type(decoder).__name__} has no {name} '
                                 'option to override')
            changes[name] = _positive_int(value, name)
        old = {name: getattr(decoder, name) for name in changes}
        try:
            for name, value in changes.items():
                setattr(decoder, name, value)
            yield decoder
        finally:
            for name, value in old.items():
                setattr(decoder, name, value)

    @contextlib.contextmanager
    def _keeping_attention(self, keep):
        delta = self.model.delta
        has = hasattr(delta, 'keep_attention')
        old = delta.keep_attention if has else None
        if has:
            delta.keep_attention = bool(keep)
        try:
            yield has
        finally:
            if has:
                delta.keep_attention = old

    # ------------------------------------------------------------ inputs
    def _results(self, pair, index, task, prompt):
        """The pipeline's input dict for one pair (before the transforms)."""
        if isinstance(pair, dict):
            item = dict(pair)
            for key in ('before', 'after'):
                if key not in item:
                    raise KeyError(f'pair {index}: dict needs "before" and '
                                   f'"after", got keys {sorted(item)}')
        elif isinstance(pair, (list, tuple)) and len(pair) == 2:
            item = dict(before=pair[0], after=pair[1])
        else:
            raise TypeError(f'pair {index}: expected (before, after) or a '
                            f'dict, got {type(pair).__name__}')
        task = item.get('task', task)
        prompt = item.get('prompt', prompt)
        results = dict(
            pair_id=str(item.get('pair_id', index)),
            task=self._task_name(task, prompt),
            prompt=self.prompt_for(task, prompt),
            captions=list(item.get('captions') or []))
        root = item.get('data_root')
        before, after = item['before'], item['after']
        if self.loader is not None and is_path(before) and is_path(after):
            results.update(before_path=str(before), after_path=str(after),
                           data_root=root)
            return self.loader(results)
        imgs = []
        for key, image in (('before', before), ('after', after)):
            if is_path(image):
                results[f'{key}_path'] = str(image)
            imgs.append(to_rgb_array(
                image, root, name=f'pair {results["pair_id"]} {key} image'))
        results.update(imgs=imgs, img_shape=imgs[0].shape[:2],
                       ori_shapes=tuple(im.shape[:2] for im in imgs))
        return results

    def _prepare(self, pair, index, task, prompt):
        results = self._results(pair, index, task, prompt)
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                raise ValueError(f'pair {index}: {transform!r} dropped it')
        return results

    # ------------------------------------------------------------ caption
    def predict(self, pairs, batch_size=None, num_beams=None, max_length=None,
                task=None, prompt=None, with_attention=False,
                progress=False):
        """Caption pairs and return their data samples.

        Args:
            pairs (iterable): ``(before, after)`` tuples of paths, PIL images
                or arrays, or dicts with ``before``, ``after`` and optional
                ``pair_id``, ``task``, ``prompt``, ``captions``
                (references), ``data_root`` (paths must stay inside it).
            batch_size (int, optional): pairs per forward pass.
            num_beams (int, optional): beam size for these calls.
            max_length (int, optional): most tokens for these calls.
            task (str, optional): task prompt for pairs without their own.
            prompt (str, optional): prompt for pairs without their own.
            with_attention (bool): also store ``attention_maps``
                (``(2, h, w)`` in [0, 1], before and after) on each sample
                when the delta module can expose its attention.
            progress (bool | str): show a tqdm bar (a str is its label).

        Returns:
            list[DiffDataSample]: ``pred_caption``, ``pred_beams`` (beam
            search, where the decoder lists them) and the metainfo of each
            pair, in input order.
        """
        from onediff_kit.visualization.attention_maps import \
            delta_module_attention_maps
        pairs = list(pairs)
        num_beams = self.num_beams if num_beams is None else num_beams
        max_length = self.max_length if max_length is None else max_length
        batch_size = _positive_int(batch_size or self.batch_size,
                                   'batch_size')
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(pairs), unit='pair',
                       desc=progress if isinstance(progress, str) else
                       'captioning')
        samples = []
        try:
            with self.decoding(num_beams, max_length), \
                    self._keeping_attention(with_attention) as has_attn:
                for start in range(0, len(pairs), batch_size):
                    chunk = [
                        self._prepare(p, start + i, task, prompt)
                        for i, p in enumerate(pairs[start:start + batch_size])
                    ]
                    data = dict(inputs=[c['inputs'] for c in chunk],
                                data_samples=[c['data_samples']
                                              for c in chunk])
                    out = self.model.test_step(data)
                    if with_attention and has_attn:
                        for sample in out:
                            if 'delta_attention' in sample:
                                sample.set_field(
                                    delta_module_attention_maps(
                                        sample.delta_attention,
                                        self.model.delta),
                                    'attention_maps', field_type='data')
                    samples.extend(out)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return samples

    def caption_batch(self, pairs, batch_size=None, progress=False,
                      **options):
        """Captions (list of str) of many pairs, ``batch_size`` at a time.

        Args:
            pairs (iterable): as for :meth:`predict`.
            batch_size (int, optional): pairs per forward pass.
            progress (bool | str): show a tqdm progress bar.
            **options: ``num_beams``, ``max_length``, ``task``, ``prompt``.
        """
        return [
            s.pred_caption for s in self.predict(
                pairs, batch_size, progress=progress, **options)
        ]

    def caption(self, before, after, **options):
        """Caption one pair, or lists of pairs.

        Args:
            before: a path, PIL image or numpy array, or a list of them.
            after: the same kind as ``before`` (a list of the same length).
            **options: ``num_beams``, ``max_length``, ``task``, ``prompt``,
                ``batch_size``.

        Returns:
            str | list[str]: one caption for one pair, a list for lists.
        """
        many = isinstance(before, (list, tuple))
        if many != isinstance(after, (list, tuple)):
            raise TypeError('give before and after both as single images or '
                            'both as lists')
        if not many:
            return self.caption_batch([(before, after)], **options)[0]
        if len(before) != len(after):
            raise ValueError(f'{len(before)} before images but {len(after)} '
                             'after images')
        return self.caption_batch(list(zip(before, after)), **options)

    def visualize(self, before, after, out_file, references=(), title=None,
                  **options):
        """Caption one pair and draw it with its attention heat maps.

        Args:
            before, after: paths, PIL images or numpy arrays.
            out_file (str): PNG to write.
            references (sequence[str]): reference captions to show.
            title (str, optional): figure title.
            **options: as for :meth:`caption`.

        Returns:
            DiffDataSample: the prediction (``pred_caption``, and
            ``attention_maps`` when the delta module exposes attention).
        """
        from onediff_kit.visualization import draw_diff_caption
        sample = self.predict([(before, after)], with_attention=True,
                              **options)[0]
        draw_diff_caption(
            to_rgb_array(before, name='before image'),
            to_rgb_array(after, name='after image'),
            sample.pred_caption, references,
            attention_maps=sample.get('attention_maps'),
            out_file=out_file, title=title)
        return sample


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


__all__ = ['CaptionerError', 'DiffCaptioner', 'load_config',
           'resolve_device']

"""Caption image pairs with a trained OneDiff checkpoint, in a few lines.

    >>> from onediff_kit.apis import DiffCaptioner
    >>> captioner = DiffCaptioner('configs/onediff/x.py', 'iter_8000.pth')
    >>> captioner.caption('before.png', 'after.jpg')
    'the red cube is gone .'

A thin layer over two things the config already defines: the test
dataset, which gives the pipeline and the task prompts (built without
reading its manifest), and the model, whose ``predict`` takes the decoding
options.
"""
import os.path as osp
import warnings

import numpy as np
import torch

from onediff_kit.apis.build import (CaptionerError, build_inference_dataset,
                                    load_config, resolve_device)
from onediff_kit.data.image_inputs import is_path, to_rgb_array
from onediff_kit.extras import require_config_extras
from onediff_kit.quiet import quiet_build
from onediff_kit.runtime import init


class DiffCaptioner:
    """Build a OneDiff model from a config, load a checkpoint, caption.

    The checkpoint alone provides the decoder's tokenizer (it is stored in
    the decoder's state). Images and prompts are prepared by the config's
    test dataset (``test_dataloader.dataset``, built without reading its
    manifest): its ``pipeline`` takes file paths through every guard of
    the loading step and in-memory images (PIL or numpy; grey, RGBA,
    palette, 16-bit) converted to RGB the same way; its ``prompts`` give
    each task's prompt. The two images of a pair may differ in size and
    format.

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
            the dataset's ``prompts``); None = the first one.
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
        self.num_beams = _optional_positive(num_beams, 'num_beams')
        self.max_length = _optional_positive(max_length, 'max_length')
        self.task = task
        self.prompt = prompt
        self.batch_size = _positive_int(batch_size, 'batch_size')
        # quiet_build: mmengine's INFO lines go to a logger, not the console
        with DefaultScope.overwrite_default_scope('onediff_kit'), \
                quiet_build():
            self.model = self._build_model(strict)
            self.dataset = build_inference_dataset(self.cfg,
                                                   self.config_name)

    def _build_model(self, strict):
        from onediff_kit.registry import MODELS
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(f'checkpoint {self.checkpoint} not found')
        from onediff_kit.cache import without_feature_cache
        require_config_extras(self.cfg, f'config {self.config_name}')
        # A training speed setting: captioning never writes features to disk.
        model_cfg = dict(self.cfg.model, encoder=without_feature_cache(
            self.cfg.model.encoder))
        try:
            model = MODELS.build(model_cfg)
        except Exception as exc:
            raise CaptionerError(
                f'config {self.config_name}: cannot build the model: '
                f'{type(exc).__name__}: {exc}') from None
        try:
            self._load_weights(model, strict)
        except Exception as exc:
            first = str(exc).strip().splitlines()
            raise CaptionerError(
                f'cannot load checkpoint {self.checkpoint} into the model of '
                f'{self.config_name}: {type(exc).__name__}: '
                f'{" ".join(first[:6])}') from None
        return model.to(self.device).eval()

    def _load_weights(self, model, strict):
        """Load ``self.checkpoint`` into ``model`` (on the CPU): the
        ``model.safetensors`` of a pretrained folder, or a checkpoint."""
        from mmengine.runner.checkpoint import load_checkpoint

        from onediff_kit.apis.pretrained_folder import load_weights
        if self.checkpoint.endswith('.safetensors'):
            return load_weights(model, self.checkpoint, strict=strict)
        load_checkpoint(model, self.checkpoint, map_location='cpu',
                        strict=strict, logger='current')

    # ----------------------------------------------------------- sharing
    @classmethod
    def from_pretrained(cls, directory, device=None, **kwargs):
        """A captioner from a folder of :meth:`save_pretrained` (config,
        safetensors weights, tokenizer; nothing unpickled, no code run).

        Args:
            directory (str | Path): the folder.
            device: as for the constructor.
            **kwargs: the constructor's other options (``num_beams``, ...).
        """
        from onediff_kit.apis.pretrained_folder import from_pretrained
        return from_pretrained(cls, directory, device=device, **kwargs)

    def save_pretrained(self, directory, scores=(), commands=None):
        """Write this model as a folder :meth:`from_pretrained` reads, with
        a model card (see ``onediff_kit/apis/pretrained_folder.py``).

        Args:
            directory (str): the folder (created).
            scores (sequence[str]): ``scores.json`` files for the card.
            commands (dict, optional): ``train``/``test`` command lines.
        """
        from onediff_kit.apis.pretrained_folder import save_pretrained
        return save_pretrained(self.model, self.cfg, directory, scores,
                               commands)

    # ----------------------------------------------------------- prompts
    @property
    def task_prompts(self):
        """Task -> prompt, the test dataset's ``prompts``."""
        return self.dataset.prompts

    @property
    def default_prompt(self):
        """The test dataset's prompt of a task it has none for."""
        return self.dataset.default_prompt

    def prompt_for(self, task=None, prompt=None):
        """The decoder prompt for a call's ``task``/``prompt`` options.

        Order: ``prompt``, ``task``, the constructor's ``prompt`` and
        ``task``, the first of the dataset's ``prompts``, its default
        prompt.

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
                               f'dataset prompts have: {known}')
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

    # ------------------------------------------------------------ inputs
    def _prepare(self, pair, index, task, prompt):
        """One pair through the test dataset's pipeline."""
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
            captions=list(item.get('captions') or []),
            data_root=item.get('data_root'))
        for key in ('before', 'after'):
            image = item[key]
            if is_path(image):
                results[f'{key}_path'] = str(image)
            else:
                results[f'{key}_img'] = image
        prepared = self.dataset.pipeline(results)
        if prepared is None:
            raise ValueError(f'pair {index}: the test pipeline dropped it')
        return prepared

    # ------------------------------------------------------------ caption
    def predict(self, pairs, batch_size=None, num_beams=None, max_length=None,
                task=None, prompt=None, need_attention=False,
                progress=False, with_attention=None):
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
            need_attention (bool): also store ``delta_attention`` (the
                weights and their layout; heat maps come from
                :func:`~onediff_kit.visualization.delta_attention_maps`) on
                each sample whose delta module exposes its attention.
            progress (bool | str): show a tqdm bar (a str is its label).
            with_attention (bool, optional): deprecated name of
                ``need_attention``.

        Returns:
            list[DiffDataSample]: ``pred_caption``, ``pred_beams`` (beam
            search, where the decoder lists them) and the metainfo of each
            pair, in input order.
        """
        if with_attention is not None:
            warnings.warn('DiffCaptioner.predict(with_attention=...) is '
                          'deprecated; use need_attention', DeprecationWarning,
                          stacklevel=2)
            need_attention = with_attention
        pairs = list(pairs)
        options = dict(
            num_beams=_optional_positive(
                self.num_beams if num_beams is None else num_beams,
                'num_beams'),
            max_length=_optional_positive(
                self.max_length if max_length is None else max_length,
                'max_length'))
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
            for start in range(0, len(pairs), batch_size):
                chunk = [
                    self._prepare(p, start + i, task, prompt)
                    for i, p in enumerate(pairs[start:start + batch_size])
                ]
                samples.extend(self._predict_chunk(chunk, options,
                                                   need_attention))
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return samples

    def _predict_chunk(self, chunk, options, need_attention):
        """The model's predictions for prepared pairs."""
        data = self.model.data_preprocessor(
            dict(inputs=[c['inputs'] for c in chunk],
                 data_samples=[c['data_samples'] for c in chunk]), False)
        with torch.no_grad():
            out = self.model.predict(data['inputs'], data['data_samples'],
                                     need_attention=need_attention,
                                     **options)
        return out

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
            ``delta_attention`` when the delta module exposes attention).
        """
        from onediff_kit.visualization import (delta_attention_maps,
                                               draw_diff_caption)
        sample = self.predict([(before, after)], need_attention=True,
                              **options)[0]
        attention = sample.get('delta_attention')
        draw_diff_caption(
            to_rgb_array(before, name='before image'),
            to_rgb_array(after, name='after image'),
            sample.pred_caption, references,
            attention_maps=(None if attention is None else
                            delta_attention_maps(attention)),
            out_file=out_file, title=title)
        return sample


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


def _optional_positive(value, name):
    return None if value is None else _positive_int(value, name)


__all__ = ['CaptionerError', 'DiffCaptioner', 'build_inference_dataset',
           'load_config', 'resolve_device']

"""Caption one uploaded pair at a time, for the web page and the JSON route.

Both front doors of ``onediff serve`` call :meth:`CaptionService.caption`,
so the checks on uploads, the limits on the options and the answer are the
same whether a person clicks or a script posts.
"""
import os
import threading
import time

import numpy as np
from PIL import Image

from onediff_kit.data.image_io import (DEFAULT_MAX_PIXELS, ImageReadError,
                                       read_image)
from onediff_kit.visualization import delta_attention_maps


class InputError(ValueError):
    """A request the service refuses; the message is shown to the user."""


class BusyError(RuntimeError):
    """More requests are waiting than the service allows."""


class CaptionService:
    """Check an uploaded pair and its options, caption it, explain refusals.

    The model runs one request at a time (the captioner changes its
    decoder's settings for a call); at most ``max_queue`` more may wait.

    Args:
        captioner (DiffCaptioner): the loaded model.
        max_queue (int): requests that may wait for the model; one more is
            refused with :class:`BusyError`.
        max_pixels (int): refuse images whose header claims more pixels
            (the decompression-bomb guard of ``read_image``; its default,
            ``DEFAULT_MAX_PIXELS``, is the limit everywhere).
        max_beams (int): largest beam size a request may ask for.
        max_length (int): largest ``max_length`` a request may ask for.
    """

    def __init__(self, captioner, max_queue=8, max_pixels=DEFAULT_MAX_PIXELS,
                 max_beams=8, max_length=64):
        self.captioner = captioner
        self.max_pixels = max_pixels
        self.max_beams = max_beams
        self.max_length = max(max_length, self.default_max_length)
        self.max_queue = max_queue
        self.pending = 0  # requests captioning or waiting for the model
        self._pending_lock = threading.Lock()
        self._model_lock = threading.Lock()

    # ------------------------------------------------------------ options
    @property
    def default_num_beams(self):
        return int(self.captioner.model.decoder.num_beams)

    @property
    def default_max_length(self):
        return int(self.captioner.model.decoder.max_length)

    @property
    def tasks(self):
        """The config's task names (the first is the default)."""
        return list(self.captioner.task_prompts)

    def info(self):
        """What a client may ask for: tasks with prompts, defaults, limits.

        The model is named by its files' names: neither the page nor
        ``/api/info`` shows the server's folders.
        """
        return dict(
            config=os.path.basename(self.captioner.config_name),
            checkpoint=os.path.basename(self.captioner.checkpoint),
            task_prompts=dict(self.captioner.task_prompts),
            default_task=(self.tasks or [None])[0],
            default_num_beams=self.default_num_beams,
            default_max_length=self.default_max_length,
            max_num_beams=self.max_beams, max_max_length=self.max_length,
            max_pixels=self.max_pixels)

    def _option(self, value, name, default, upper):
        if value is None or value == '':
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f'{name} must be a whole number, got '
                             f'{value!r}') from None
        if number != int(number) or not 1 <= number <= upper:
            raise InputError(f'{name} must be a whole number from 1 to '
                             f'{upper}, got {value!r}')
        return int(number)

    def _task(self, task):
        if task is None or task == '':
            return None
        if task not in self.captioner.task_prompts:
            known = ', '.join(self.tasks) or 'none (the config has no '\
                'task_prompts)'
            raise InputError(f'unknown task {task!r}; choose one of: {known}')
        return task

    # ------------------------------------------------------------- images
    def read(self, path, name):
        """An uploaded file as an ``(H, W, 3)`` uint8 array, and its mode
        as read (e.g. ``'L'``, ``'RGBA'``).

        Raises:
            InputError: missing, empty, not an image, or too many pixels.
        """
        if path is None or path == '':
            raise InputError(f'{name} image missing: give both a before and '
                             'an after image')
        try:
            image = read_image(path, max_pixels=self.max_pixels)
        except ImageReadError as exc:
            # The upload's own file name, not the server's temporary path.
            label = os.path.basename(path)
            reason = exc.reason.replace(exc.path, label).replace(
                str(path), label)
            raise InputError(f'{name} image {label}: {reason}') from None
        with Image.open(path) as img:  # passed the guards above
            return np.asarray(image), img.mode

    # ------------------------------------------------------------ caption
    def caption(self, before, after, num_beams=None, max_length=None,
                task=None, need_attention=True):
        """Caption the pair of image files ``before`` and ``after``.

        Args:
            before, after (str): uploaded image files.
            num_beams (int | str, optional): beam size; None = the config's.
            max_length (int | str, optional): most tokens; None = the
                config's.
            task (str, optional): a key of the config's ``task_prompts``;
                None = the first.
            need_attention (bool): also return the heat maps.

        Returns:
            dict: ``caption``, ``beams`` (list of ``caption``/``score``,
            best first; one entry without a score for greedy search),
            ``task``, ``prompt``, ``num_beams``, ``max_length``,
            ``attention_maps`` (``(2, h, w)`` array in [0, 1] or None),
            ``images`` (the two RGB arrays), ``notes`` (list of str: what
            was adjusted, e.g. sizes that differ) and ``seconds``.

        Raises:
            InputError: a bad image or option; the message says which.
            BusyError: too many requests are waiting.
        """
        num_beams = self._option(num_beams, 'beam size',
                                 self.default_num_beams, self.max_beams)
        max_length = self._option(max_length, 'max length',
                                  self.default_max_length, self.max_length)
        task = self._task(task)
        (img_a, mode_a), (img_b, mode_b) = (self.read(before, 'before'),
                                            self.read(after, 'after'))
        notes = []
        if img_a.shape != img_b.shape:
            notes.append(
                f'the images differ in size (before {img_a.shape[1]}x'
                f'{img_a.shape[0]}, after {img_b.shape[1]}x{img_b.shape[0]}):'
                " both go through the config's test pipeline, which resizes "
                'them to the model input')
        if {mode_a, mode_b} != {'RGB'}:
            notes.append(f'image modes {mode_a} (before) and {mode_b} '
                         '(after) were converted to RGB')
        with self._pending_lock:
            if self.pending > self.max_queue:
                raise BusyError(f'the server is busy: {self.pending - 1} '
                                'requests are waiting already; try again '
                                'shortly')
            self.pending += 1
        try:
            with self._model_lock:
                start = time.perf_counter()
                try:
                    sample = self.captioner.predict(
                        [(img_a, img_b)], num_beams=num_beams,
                        max_length=max_length, task=task,
                        need_attention=need_attention)[0]
                except (ValueError, KeyError) as exc:
                    message = exc.args[0] if exc.args else str(exc)
                    raise InputError(str(message)) from None
                seconds = time.perf_counter() - start
        finally:
            with self._pending_lock:
                self.pending -= 1
        beams = [dict(caption=c, score=float(s))
                 for c, s in (sample.get('pred_beams') or [])]
        if not beams:
            beams = [dict(caption=sample.pred_caption, score=None)]
        attention = sample.get('delta_attention')
        maps = (None if attention is None else
                delta_attention_maps(attention))  # in [0, 1]
        return dict(
            caption=sample.pred_caption, beams=beams,
            task=sample.metainfo.get('task'),
            prompt=sample.metainfo.get('prompt'), num_beams=num_beams,
            max_length=max_length,
            attention_maps=None if maps is None else np.asarray(maps),
            images=(img_a, img_b), notes=notes, seconds=round(seconds, 3))

"""The dataset contract inference relies on: task prompts and a pipeline.

A pair dataset says which prompt the decoder gets for each task
(``prompts``, given once in the dataset config) and how an item becomes
model inputs (``pipeline``, mmengine's Compose). ``DiffCaptioner`` builds
the config's test dataset with ``lazy_init=True`` (no manifest read) and
reuses both, so captioning prepares images and prompts exactly as testing
does.
"""
DEFAULT_PROMPT = 'Describe the difference between the two images.'


def merge_prompt_args(prompts, task_prompts, owner):
    """``prompts``, or the older argument name ``task_prompts``.

    Args:
        prompts (dict, optional): task -> prompt.
        task_prompts (dict, optional): the same under its former name (kept
            so that configs written before the rename still build).
        owner (str): the dataset class, named in the error.

    Raises:
        ValueError: both are given.
    """
    if prompts is not None and task_prompts is not None:
        raise ValueError(f'{owner}: give prompts= or its former name '
                         'task_prompts=, not both')
    return dict((prompts if prompts is not None else task_prompts) or {})


class PromptedDatasetMixin:
    """Task prompts of a dataset (mixed into an mmengine ``BaseDataset``).

    Attributes:
        prompts (dict[str, str]): task -> prompt given to the decoder.
        default_prompt (str): prompt of a task not in ``prompts``.
        pipeline (Compose): the transforms an item goes through; its loading
            step takes ``before_img``/``after_img`` in-memory images as well
            as ``before_path``/``after_path`` files (``LoadImagePair``).
    """

    def _init_prompts(self, prompts, default_prompt=DEFAULT_PROMPT,
                      task_prompts=None):
        self.prompts = merge_prompt_args(prompts, task_prompts,
                                         type(self).__name__)
        self.default_prompt = default_prompt

    @property
    def task_prompts(self):
        """``prompts`` under its former name."""
        return self.prompts

    def prompt_for(self, task):
        """The prompt of ``task`` (``default_prompt`` if it has none)."""
        return self.prompts.get(task, self.default_prompt)

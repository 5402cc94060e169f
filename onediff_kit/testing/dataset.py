"""Contract check of a pair dataset: prompts and a pipeline, built lazily."""
from onediff_kit.contracts import PromptedDatasetMixin
from onediff_kit.registry import DATASETS


def check_dataset(cfg, with_items=False):
    """Check a pair dataset against
    :class:`~onediff_kit.contracts.PromptedDatasetMixin`.

    It builds with ``lazy_init=True`` without reading its annotations (as
    inference builds it), has str -> str ``prompts`` and a callable
    ``pipeline``, and ``prompt_for`` falls back to ``default_prompt``.

    Args:
        cfg (dict): the dataset's config (``type``: registered name or
            class); its files are read only with ``with_items``.
        with_items (bool): also build it fully and check that its first
            item is the ``inputs`` (a ``(2, 3, H, W)`` tensor) and
            ``data_samples`` that ``PackDiffInputs`` makes.
    """
    lazy = DATASETS.build(dict(cfg, lazy_init=True))
    name = type(lazy).__name__
    assert isinstance(lazy, PromptedDatasetMixin), \
        f'{name} does not mix in onediff_kit.contracts.PromptedDatasetMixin'
    assert not getattr(lazy, '_fully_initialized', False), \
        f'{name} read its annotations under lazy_init=True'
    assert all(isinstance(k, str) and isinstance(v, str)
               for k, v in lazy.prompts.items()), \
        f'{name}.prompts is not task -> prompt: {lazy.prompts!r}'
    assert lazy.prompt_for('no such task') == lazy.default_prompt
    assert callable(lazy.pipeline), f'{name} has no callable pipeline'
    if not with_items:
        return
    item = DATASETS.build(dict(cfg))[0]
    assert set(item) >= {'inputs', 'data_samples'}, \
        f'{name}[0] has keys {sorted(item)}'
    assert item['inputs'].dim() == 4 and item['inputs'].shape[:2] == (2, 3), \
        f'{name}[0] inputs {tuple(item["inputs"].shape)}, not (2, 3, H, W)'

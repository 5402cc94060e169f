"""Optional extras: which modules each one brings, and the one-line error
when a command needs one that is not installed.

The extras' names are those of ``setup.py``'s ``extras_require``; a command
names the extras it needs (``set_defaults(extras=('web',))`` on its
parser), and ``onediff`` checks them before the command runs, so no model
is loaded first.
"""
import importlib.util

# extra -> the top-level modules it installs that onediff_kit imports
EXTRA_MODULES = {
    'web': ('gradio', 'uvicorn'),
    'lora': ('peft',),
    'xformers': ('xformers',),
    'tensorboard': ('tensorboard',),
}


class MissingExtraError(ImportError):
    """An optional extra a command needs is not installed."""


def missing_extra(extra, what):
    """The one-line message for ``extra`` if one of its modules is missing,
    else ``None``.

    Args:
        extra (str): a key of :data:`EXTRA_MODULES`.
        what (str): what needs it, e.g. ``'onediff serve'``.
    """
    missing = [m for m in EXTRA_MODULES[extra]
               if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return (f"{what} needs the optional extra [{extra}] ({', '.join(missing)}"
            f" not installed): pip install 'onediff_kit[{extra}]' "
            f"(from a clone: pip install '.[{extra}]')")


def require_extra(extra, what):
    """Raise :class:`MissingExtraError` (one line) if ``extra`` is missing.

    Args:
        extra (str): a key of :data:`EXTRA_MODULES`.
        what (str): what needs it.
    """
    message = missing_extra(extra, what)
    if message:
        raise MissingExtraError(message)


def config_extras(cfg):
    """The extras a config needs: ``lora`` for a ``lora`` adapter dict,
    ``xformers`` for ``attn_backend='xformers'``, ``tensorboard`` for a
    ``TensorboardVisBackend``.

    Args:
        cfg (dict | mmengine.Config): the whole config.

    Returns:
        list[str]: sorted extra names.
    """
    needed = set()

    def visit(node):
        if isinstance(node, dict):
            if isinstance(node.get('lora'), dict):
                needed.add('lora')
            if node.get('attn_backend') == 'xformers':
                needed.add('xformers')
            if 'Tensorboard' in str(node.get('type', '')):
                needed.add('tensorboard')
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg)  # a Config
    return sorted(needed)


def require_config_extras(cfg, what):
    """Raise :class:`MissingExtraError` (one line) for the first extra the
    config needs that is not installed; call it before building a model.

    Args:
        cfg (dict | mmengine.Config): the whole config.
        what (str): what is about to run, e.g. the config's file name.
    """
    for extra in config_extras(cfg):
        require_extra(extra, what)

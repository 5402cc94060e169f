"""Errors in a user's config or command line, named by their key.

mmengine merges ``--cfg-options`` without looking: a misspelt key becomes a
new key that is silently ignored, or a keyword argument some class refuses
deep inside a build, and a value of the wrong type fails wherever it is
first used. :func:`check_cfg_options` checks each option against the
config first and raises :class:`ConfigError` naming the key.
"""
import difflib
import inspect


class ConfigError(ValueError):
    """A config value or command-line option is wrong; the message names
    the key (the tools print it as one line, without a traceback)."""


def _kind(value):
    if isinstance(value, bool):
        return 'a bool (True/False)'
    if isinstance(value, int):
        return 'an int'
    if isinstance(value, float):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, dict):
        return 'a dict'
    return type(value).__name__


def _same_kind(old, new):
    if old is None or new is None:
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, int):
        return isinstance(new, int)
    if isinstance(old, float):
        return isinstance(new, (int, float))
    for kinds in (str, (list, tuple), dict):
        if isinstance(old, kinds):
            return isinstance(new, kinds)
    return True


def _builder(type_name):
    """The class a ``type`` names in onediff_kit's registries (their
    parents reach mmengine's), or None where none has it."""
    from onediff_kit import registry
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    for name in ('MODELS', 'LOOPS', 'HOOKS', 'METRICS', 'DATASETS',
                 'TRANSFORMS', 'DATA_SAMPLERS', 'OPTIM_WRAPPERS',
                 'OPTIMIZERS', 'PARAM_SCHEDULERS', 'EVALUATOR',
                 'VISUALIZERS', 'LOG_PROCESSORS'):
        try:
            cls = getattr(registry, name).get(type_name)
        except Exception:  # a registry that cannot resolve the name
            cls = None
        if cls is not None:
            return cls
    return None


def _accepts(type_name, arg):
    cls = _builder(type_name)
    if cls is None:
        return True  # unknown here: the build itself will say
    target = cls.__init__ if inspect.isclass(cls) else cls
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == arg or p.kind == p.VAR_KEYWORD for p in params)


def _runner_args():
    from mmengine.runner import Runner
    return set(inspect.signature(Runner.__init__).parameters) | {
        'runner_type', 'custom_imports', 'default_scope', 'launcher',
        'strategy', 'model_wrapper_cfg'}


def check_cfg_options(cfg, options):
    """Check ``--cfg-options`` (as DictAction parsed them) against ``cfg``
    before they are merged.

    An option must lead through keys (and list indices) the config has.
    Its last key may be new only as an argument of the class the dict's
    ``type`` names (checked against its signature), in an untyped dict
    where it is not a near miss of an existing key, or as a Runner
    argument at the top level. A value replacing one of another kind
    (an int by a string, ...) is refused; None may replace or be replaced
    by anything. Keys under a ``P._delete_=True`` option are not checked.

    Raises:
        ConfigError: naming the option, what is wrong and close matches.
    """
    if hasattr(cfg, 'to_dict'):  # an mmengine Config
        cfg = cfg.to_dict()
    replaced = [k[:-len('._delete_')] for k in options
                if k.endswith('._delete_')]
    for key, value in options.items():
        if key.endswith('._delete_') or any(
                key.startswith(p + '.') for p in replaced):
            continue
        parts = key.split('.')
        node, path = cfg, []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            where = '.'.join(path) or 'the config'
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(
                        f'--cfg-options {key}: {where} is a list of '
                        f'{len(node)}; "{part}" is not an index of it')
                child = node[int(part)]
            elif isinstance(node, dict):
                if part not in node:
                    close = difflib.get_close_matches(
                        part, [str(k) for k in node], n=3)
                    if last and _new_key_ok(node, part, path, close):
                        break
                    hint = (f'; did you mean {", ".join(close)}?'
                            if close else '')
                    what = (f' (not an argument of {node["type"]})'
                            if last and 'type' in node else '')
                    raise ConfigError(
                        f'--cfg-options {key}: {where} has no key '
                        f'"{part}"{what}{hint}')
                child = node[part]
            else:
                raise ConfigError(
                    f'--cfg-options {key}: {where} is {_kind(node)} '
                    f'({node!r}), not a dict or list')
            if last and not _same_kind(child, value):
                raise ConfigError(
                    f'--cfg-options {key}={value!r}: expected {_kind(child)} '
                    f'as in the config ({child!r}), got {_kind(value)}')
            node = child
            path.append(part)


def _new_key_ok(node, part, path, close):
    if 'type' in node:
        return _accepts(node['type'], part)
    if not path:
        return part in _runner_args()
    return not close

"""Errors in a user's config or command line, named by their key.

mmengine merges ``--cfg-options`` without looking: a misspelt key becomes a
new key that is silently ignored, or a keyword argument some class refuses
deep inside a build, and a value of the wrong type fails wherever it is
first used. :func:`check_cfg_options` checks each option against the
config first and raises :class:`ConfigError` naming the key, and
:func:`check_component_types` names every ``type`` the Runner would not
find, with the closest registered names.
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


def dataset_cfgs(dataset_cfg, where):
    """(where, config) of a dataset config and the datasets it wraps."""
    if not isinstance(dataset_cfg, dict):
        return
    yield where, dataset_cfg
    if isinstance(dataset_cfg.get('dataset'), dict):
        yield from dataset_cfgs(dataset_cfg['dataset'], where + '.dataset')
    for i, inner in enumerate(dataset_cfg.get('datasets') or ()):
        yield from dataset_cfgs(inner, f'{where}.datasets[{i}]')


def dataloader_cfgs(cfg):
    """(key, dataloader config) of every dataloader a config trains or
    evaluates on, stage dataloaders included."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(key), dict):
            yield key, cfg[key]
    for i, stage in enumerate((cfg.get('train_cfg') or {}).get('stages')
                              or ()):
        if isinstance(stage, dict) and isinstance(stage.get('dataloader'),
                                                  dict):
            yield f'train_cfg.stages[{i}].dataloader', stage['dataloader']


def _listed(value, key):
    """(key, dict) of a config value that is one dict or a list of them."""
    if isinstance(value, dict):
        yield key, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield f'{key}[{i}]', item


def _components(cfg):
    """(key, registry name, config) of each part the Runner builds from a
    registry: the model, datasets and their pipelines, samplers, hooks,
    loops, evaluators, optimiser, schedulers, visualizer. The parts inside
    them are built by onediff_kit's registries, whose builds name unknown
    types themselves."""
    yield from ((k, 'MODELS', c) for k, c in _listed(cfg.get('model'),
                                                     'model'))
    for key, loader in dataloader_cfgs(cfg):
        for part, registry in (('sampler', 'DATA_SAMPLERS'),
                               ('batch_sampler', 'DATA_SAMPLERS'),
                               ('collate_fn', 'FUNCTIONS')):
            if isinstance(loader.get(part), dict):
                yield f'{key}.{part}', registry, loader[part]
        for where, dataset in dataset_cfgs(loader.get('dataset'),
                                           key + '.dataset'):
            yield where, 'DATASETS', dataset
            for k, c in _listed(dataset.get('pipeline'), where + '.pipeline'):
                yield k, 'TRANSFORMS', c
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if isinstance(hook, dict):
            yield f'default_hooks.{name}', 'HOOKS', hook
    for key, registry in (('custom_hooks', 'HOOKS'),
                          ('train_cfg', 'LOOPS'), ('val_cfg', 'LOOPS'),
                          ('test_cfg', 'LOOPS'),
                          ('optim_wrapper', 'OPTIM_WRAPPERS'),
                          ('param_scheduler', 'PARAM_SCHEDULERS'),
                          ('visualizer', 'VISUALIZERS'),
                          ('log_processor', 'LOG_PROCESSORS'),
                          ('model_wrapper_cfg', 'MODEL_WRAPPERS'),
                          ('strategy', 'STRATEGIES')):
        yield from ((k, registry, c) for k, c in _listed(cfg.get(key), key))
    if isinstance(cfg.get('runner_type'), str):
        yield 'runner_type', 'RUNNERS', dict(type=cfg['runner_type'])
    for key in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(key)
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            yield key, 'EVALUATOR', evaluator
            evaluator, key = evaluator['metrics'], key + '.metrics'
        yield from ((k, 'METRICS', c) for k, c in _listed(evaluator, key))
    optim_wrapper = cfg.get('optim_wrapper')
    if isinstance(optim_wrapper, dict) and isinstance(
            optim_wrapper.get('optimizer'), dict):
        yield ('optim_wrapper.optimizer', 'OPTIMIZERS',
               optim_wrapper['optimizer'])
    visualizer = cfg.get('visualizer')
    if isinstance(visualizer, dict):
        yield from ((k, 'VISBACKENDS', c) for k, c in _listed(
            visualizer.get('vis_backends'), 'visualizer.vis_backends'))


def check_component_types(cfg):
    """Check that every part the Runner builds from a registry names a
    registered ``type``, before anything is built.

    Raises:
        ConfigError: naming the key, the unknown type and the closest
            registered names (or how to list them).
    """
    from onediff_kit import registry
    if hasattr(cfg, 'to_dict'):  # an mmengine Config
        cfg = cfg.to_dict()
    for key, registry_name, part in _components(cfg):
        type_name = part.get('type')
        if not isinstance(type_name, str):
            continue  # absent (the Runner's default) or a class
        where = getattr(registry, registry_name)
        if where.get(type_name) is None:
            what = key if key == 'runner_type' else f'{key}.type'
            raise ConfigError(f'{what}={type_name!r}: '
                              + where.unknown_name_message(type_name))

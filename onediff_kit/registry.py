"""Registries of onediff_kit, all under the scope ``onediff_kit``.

Each registry that mmengine also has is a child of mmengine's root registry,
so the mmengine Runner builds our parts (``default_scope='onediff_kit'``) and
falls back to mmengine's own ones, and ``type='mmpretrain.ResNet'`` builds
across scopes. The framework's own modules are imported by mmengine's
``locations`` mechanism on the first lookup; plugins (first-party components
included) are loaded only by :func:`onediff_kit.init`.

Building an unknown ``type`` raises :class:`RegistryKeyError` (a KeyError)
listing the closest registered names; ``get`` keeps mmengine's contract of
returning None for an unknown name everywhere else.
"""
import contextvars
import difflib
import functools

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry, build_from_cfg

from onediff_kit.plugin_status import PLUGIN_ERRORS, plugins_loaded


SCOPE = 'onediff_kit'
# Modules of the framework itself that register with decorators.
CORE_LOCATIONS = ['onediff_kit.models', 'onediff_kit.engine',
                  'onediff_kit.visualization', 'onediff_kit.cache']

# The ``type`` names of the innermost build running in this thread (or
# task): a lookup that misses one of them raises RegistryKeyError instead of
# returning None.
_BUILDING = contextvars.ContextVar('onediff_kit_building', default=frozenset())


class RegistryKeyError(KeyError):
    """A config names a component that no registry has.

    The message names the registry, the closest registered names and the
    plugins that failed to load (``str(exc)`` quotes it; ``exc.args[0]`` is
    the plain text).
    """


def _type_names(cfg, args, kwargs):
    """The str ``type`` names a build function is asked for (a list of
    configs makes an ``nn.Sequential`` in mmengine's MODELS)."""
    default_args = kwargs.get('default_args', args[0] if args else None)
    cfgs = cfg if isinstance(cfg, (list, tuple)) else [cfg]
    names = set()
    for one in cfgs:
        if not isinstance(one, dict):
            continue
        name = one.get('type', (default_args or {}).get('type'))
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


def explain_unknown_names(build_func):
    """Wrap an mmengine build function: while it runs, a lookup in an
    onediff_kit registry that misses the requested ``type`` raises
    :class:`RegistryKeyError` with close matches (mmengine's own KeyError
    names none). Lookups of other names inside the build (a constructor
    probing ``get``) still return None.
    """
    if getattr(build_func, 'explains_unknown_names', False):
        return build_func

    @functools.wraps(build_func)
    def build(cfg, *args, **kwargs):
        token = _BUILDING.set(_type_names(cfg, args, kwargs))
        try:
            return build_func(cfg, *args, **kwargs)
        finally:
            _BUILDING.reset(token)

    build.explains_unknown_names = True
    return build


class OnediffRegistry(Registry):
    """An mmengine Registry whose builds name close matches of unknown types.

    Its ``build_func`` is wrapped by :func:`explain_unknown_names`, and
    :func:`onediff_kit.init` wraps the build functions of the mmengine
    parents the same way, since the Runner builds through those. Args as for
    :class:`mmengine.registry.Registry`.
    """

    def get(self, key):
        """As mmengine's ``get`` (None for an unknown name), except for the
        ``type`` that a build is resolving: that one raises
        :class:`RegistryKeyError`."""
        obj = super().get(key)
        if obj is None and isinstance(key, str) and key in _BUILDING.get():
            raise RegistryKeyError(self.unknown_name_message(key))
        return obj

    def close_matches(self, key, n=5):
        """Registered names closest to ``key`` (here, in parents, in scope)."""
        scope, name = self.split_scope_key(key)
        registry = self
        if scope is not None and scope != self.scope:
            registry = self._get_root_registry()._search_child(scope) or self
        names = set()
        while registry is not None:
            names.update(registry.module_dict)
            registry = registry.parent
        by_lower = {}
        for candidate in sorted(names):
            by_lower.setdefault(candidate.lower(), candidate)
        found = difflib.get_close_matches(
            name.lower(), list(by_lower), n=n, cutoff=0.6)
        prefix = f'{scope}.' if scope is not None else ''
        return [prefix + by_lower[match] for match in found]

    def unknown_name_message(self, key):
        """The error text for building ``key`` when nothing has that name."""
        message = (f'{key} is not in the {self.scope}::{self.name} registry '
                   'or its parents.')
        matches = self.close_matches(key)
        if matches:
            message += ' Did you mean: ' + ', '.join(matches) + '?'
        elif plugins_loaded():
            message += (' `onediff list` shows the registered components; '
                        'a third-party one needs its plugin installed or its '
                        'module in the config\'s custom_imports.')
        if not plugins_loaded():
            message += (' The plugins (the first-party encoders, datasets, '
                        'metrics included) are not loaded yet: call '
                        'onediff_kit.init() first.')
        if PLUGIN_ERRORS:
            failed = '; '.join(f'{name}: {error}'
                               for name, error in PLUGIN_ERRORS.items())
            message += f' Plugins that failed to load: {failed}.'
        return message


# Every registry of onediff_kit, in creation order.
ALL_REGISTRIES = []


def _child(name, parent=None):
    build_func = parent.build_func if parent is not None else build_from_cfg
    registry = OnediffRegistry(
        name, parent=parent, scope=SCOPE, locations=CORE_LOCATIONS,
        build_func=explain_unknown_names(build_func))
    ALL_REGISTRIES.append(registry)
    return registry


RUNNERS = _child('runner', MMENGINE_RUNNERS)
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMENGINE_RUNNER_CONSTRUCTORS)
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS)
MODELS = _child('model', MMENGINE_MODELS)
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS)
DATASETS = _child('dataset', MMENGINE_DATASETS)
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS)
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS)
METRICS = _child('metric', MMENGINE_METRICS)
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR)
HOOKS = _child('hook', MMENGINE_HOOKS)
LOOPS = _child('loop', MMENGINE_LOOPS)
STRATEGIES = _child('strategy', MMENGINE_STRATEGIES)
# Callables named in configs, e.g. FSDP's auto_wrap_policy.
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS)
LOG_PROCESSORS = _child('log_processor', MMENGINE_LOG_PROCESSORS)
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS)
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS)
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS)

# Registries that mmengine has no counterpart for.
# Benchmark importers: build(dict(type='spot-the-diff')) -> callable that
# turns upstream annotation files into manifest records.
IMPORTERS = _child('importer')
# Sources that create image pairs from nothing (the synthetic generator).
GENERATORS = _child('generator')
# Attention backends (math, sdpa, xformers) used by every attention layer.
ATTENTION_BACKENDS = _child('attention backend')

# What `onediff list --kind` shows for each registry. Classes in MODELS can
# refine their kind with a class attribute `component_kind` (encoder, delta,
# projector, decoder, data_preprocessor); everything else there is a model.
REGISTRY_KINDS = {
    'model': MODELS,
    'dataset': DATASETS,
    'sampler': DATA_SAMPLERS,
    'transform': TRANSFORMS,
    'metric': METRICS,
    'hook': HOOKS,
    'loop': LOOPS,
    'strategy': STRATEGIES,
    'optim_wrapper': OPTIM_WRAPPERS,
    'visualizer': VISUALIZERS,
    'vis_backend': VISBACKENDS,
    'importer': IMPORTERS,
    'generator': GENERATORS,
    'attention': ATTENTION_BACKENDS,
}


def explain_unknown_names_in_parents():
    """Wrap the build functions of our registries' mmengine parents with
    :func:`explain_unknown_names` (idempotent; called by
    :func:`onediff_kit.init`). The Runner builds through mmengine's root
    registries, which resolve a type in ours only with ``get``; without this
    an unknown name there gets mmengine's KeyError, without suggestions.
    """
    for registry in ALL_REGISTRIES:
        parent = registry.parent
        if parent is not None:
            parent.build_func = explain_unknown_names(parent.build_func)

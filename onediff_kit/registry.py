"""Registries of onediff_kit, all under the scope ``onediff_kit``.

Each registry that mmengine also has is a child of mmengine's root registry,
so the mmengine Runner builds our parts (``default_scope='onediff_kit'``) and
falls back to mmengine's own ones, and ``type='mmpretrain.ResNet'`` builds
across scopes. The framework's own modules are imported by mmengine's
``locations`` mechanism on the first lookup; plugins (first-party components
included) are loaded only by :func:`onediff_kit.init`.

Building an unknown ``type`` through one of these registries raises
:class:`RegistryKeyError` (a KeyError) listing the closest registered names;
``get`` keeps mmengine's contract of returning None for an unknown name.
mmengine's own registries (the Runner builds through them) are left as they
are: :func:`onediff_kit.config_check.check_component_types` names an
unknown ``type`` of a config, with its key, before a run.
"""
import difflib

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
from mmengine.registry import DefaultScope, Registry

from onediff_kit.plugin_status import PLUGIN_ERRORS, plugins_loaded


SCOPE = 'onediff_kit'
# Modules of the framework itself that register with decorators.
CORE_LOCATIONS = ['onediff_kit.models', 'onediff_kit.engine',
                  'onediff_kit.visualization', 'onediff_kit.cache']


class RegistryKeyError(KeyError):
    """A config names a component that no registry has.

    The message names the registry, the closest registered names and the
    plugins that failed to load (``str(exc)`` quotes it; ``exc.args[0]`` is
    the plain text).
    """


def _type_names(cfg, default_args=None):
    """The str ``type`` names a build is asked for (a list of configs makes
    an ``nn.Sequential`` in mmengine's MODELS)."""
    cfgs = cfg if isinstance(cfg, (list, tuple)) else [cfg]
    names = []
    for one in cfgs:
        if not isinstance(one, dict):
            continue
        name = one.get('type', (default_args or {}).get('type'))
        if isinstance(name, str):
            names.append(name)
    return names


class OnediffRegistry(Registry):
    """An mmengine Registry whose builds name close matches of unknown types.

    Args as for :class:`mmengine.registry.Registry`.
    """

    def build(self, cfg, *args, **kwargs):
        """As mmengine's ``build``, but an unknown ``type`` raises
        :class:`RegistryKeyError` with close matches (mmengine's KeyError
        names none)."""
        registry = self._building_registry()
        if isinstance(registry, OnediffRegistry):
            default_args = kwargs.get('default_args',
                                      args[0] if args else None)
            for name in _type_names(cfg, default_args):
                if registry.get(name) is None:
                    raise RegistryKeyError(
                        registry.unknown_name_message(name))
        return super().build(cfg, *args, **kwargs)

    def _building_registry(self):
        # The registry mmengine's build resolves names in: the default
        # scope's registry of this kind where there is one, else this one.
        scope = DefaultScope.get_current_instance()
        if scope is None:
            return self
        found = self._get_root_registry()._search_child(scope.scope_name)
        return found or self

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
    registry = OnediffRegistry(name, parent=parent, scope=SCOPE,
                               locations=CORE_LOCATIONS)
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

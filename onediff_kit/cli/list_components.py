"""``onediff list``: every registered component, its kind and provider."""
import inspect
import json
import sys
from importlib.metadata import packages_distributions


def _provider(cls, dists):
    top = cls.__module__.split('.')[0]
    names = dists.get(top)
    return names[0] if names else top


def _kind(registry_kind, cls):
    if registry_kind == 'model':
        return getattr(cls, 'component_kind', 'model')
    return registry_kind


def collect_components():
    """Rows of {name, kind, provider, module} for the onediff_kit scope."""
    from onediff_kit.plugin_manager import load_plugins
    from onediff_kit.registry import REGISTRY_KINDS
    load_plugins()
    dists = packages_distributions()
    rows = []
    for registry_kind, registry in REGISTRY_KINDS.items():
        registry.import_from_location()
        for name, obj in sorted(registry.module_dict.items()):
            rows.append(
                dict(
                    name=name,
                    kind=_kind(registry_kind, obj),
                    provider=_provider(obj, dists),
                    module=obj.__module__ if inspect.isclass(obj)
                    or inspect.isfunction(obj) else type(obj).__module__))
    return rows


def run(args):
    from onediff_kit.plugin_manager import PLUGIN_ERRORS
    rows = collect_components()
    if args.kind:
        rows = [r for r in rows if r['kind'] == args.kind]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        width = max([len(r['name']) for r in rows] + [4])
        kwidth = max([len(r['kind']) for r in rows] + [4])
        print(f'{"name":<{width}}  {"kind":<{kwidth}}  provider')
        for r in rows:
            print(f'{r["name"]:<{width}}  {r["kind"]:<{kwidth}}  '
                  f'{r["provider"]}')
    for name, err in PLUGIN_ERRORS.items():
        print(f'plugin "{name}" failed ({err})', file=sys.stderr)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'list', help='list registered components (encoders, deltas, ...)')
    p.add_argument('--kind', help='only this kind, e.g. encoder, delta')
    p.add_argument('--json', action='store_true', help='print JSON')
    p.set_defaults(func=run)

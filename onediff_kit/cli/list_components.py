"""``onediff list``: every registered component, its kind and provider."""
import difflib
import inspect
import json
import sys
from importlib.metadata import packages_distributions


def _kind(registry_kind, cls):
    if registry_kind == 'model':
        return getattr(cls, 'component_kind', 'model')
    return registry_kind


def valid_kinds(rows):
    """Every kind ``--kind`` takes: the registries' and, inside MODELS, the
    ``component_kind`` of the base classes and of what is registered."""
    from onediff_kit import contracts
    from onediff_kit.registry import REGISTRY_KINDS
    declared = {getattr(cls, 'component_kind', None)
                for _, cls in inspect.getmembers(contracts, inspect.isclass)}
    kinds = set(REGISTRY_KINDS) | declared | {r['kind'] for r in rows}
    return sorted(kind for kind in kinds if kind)


def collect_components():
    """Rows of {name, kind, provider, module} for the onediff_kit scope
    (after :func:`onediff_kit.init`, which the ``onediff`` command calls)."""
    from onediff_kit.plugin_status import plugin_packages, provider_of
    from onediff_kit.registry import REGISTRY_KINDS
    dists, plugins = packages_distributions(), plugin_packages()
    rows = []
    for registry_kind, registry in REGISTRY_KINDS.items():
        registry.import_from_location()
        for name, obj in sorted(registry.module_dict.items()):
            rows.append(
                dict(
                    name=name,
                    kind=_kind(registry_kind, obj),
                    provider=provider_of(obj, dists, plugins),
                    module=obj.__module__ if inspect.isclass(obj)
                    or inspect.isfunction(obj) else type(obj).__module__))
    return rows


def run(args):
    from onediff_kit.plugin_status import PLUGIN_ERRORS
    rows = collect_components()
    if args.kind:
        kinds = valid_kinds(rows)
        if args.kind not in kinds:
            close = difflib.get_close_matches(args.kind, kinds, n=1)
            hint = f' Did you mean: {close[0]}?' if close else ''
            print(f'error: unknown kind "{args.kind}".{hint} The kinds are: '
                  f'{", ".join(kinds)}', file=sys.stderr)
            return 2
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

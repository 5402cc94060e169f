"""``onediff cache info|clear [--stale] DIR``: inspect or empty a feature
cache, or remove only what interrupted writers left."""
import json
import os
import os.path as osp
import shutil
import sys


def _check_dir(path, command):
    from onediff_kit.cache.feature_cache import MARKER
    if not osp.isdir(path):
        print(f'onediff cache {command}: error: {path} is not a directory',
              file=sys.stderr)
        return False
    if not osp.isfile(osp.join(path, MARKER)):
        print(f'onediff cache {command}: error: {path} is not a feature '
              f'cache (no {MARKER} in it); nothing done', file=sys.stderr)
        return False
    return True


def run_info(args):
    from onediff_kit.cache import cache_summary
    if not _check_dir(args.dir, 'info'):
        return 2
    rows = cache_summary(args.dir)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    total = sum(r['bytes'] for r in rows)
    print(f'{args.dir}: {sum(r["entries"] for r in rows)} entries in '
          f'{len(rows)} namespace(s), {total / 2**20:.1f} MiB')
    for r in rows:
        meta = r['meta']
        encoder = json.loads(meta.get('encoder_cfg') or 'null')
        kind = encoder.get('type') if isinstance(encoder, dict) else None
        line = (f'  {r["namespace"]}: {r["entries"]} entries, '
                f'{r["bytes"] / 2**20:.1f} MiB, encoder {kind} '
                f'(weights {meta.get("weights", "?")[:12]}), '
                f'{meta.get("levels")} levels stored as {meta.get("dtype")}')
        if meta.get('autocast'):
            line += f', autocast {meta["autocast"][1]}'
        if r['leftovers']:
            line += (f', {r["leftovers"]} temporary files of an interrupted '
                     'writer (ignored; `clear --stale` removes them)')
        print(line)
    return 0


def run_clear(args):
    from onediff_kit.cache import cache_summary
    if not _check_dir(args.dir, 'clear'):
        return 2
    if args.stale:
        return _clear_stale(args)
    rows = cache_summary(args.dir)
    for r in rows:
        shutil.rmtree(osp.join(args.dir, r['namespace']))
    # Namespaces without meta.json (a writer killed before its first entry).
    for name in os.listdir(args.dir):
        path = osp.join(args.dir, name)
        if osp.isdir(path) and len(name) == 24:
            shutil.rmtree(path)
    print(f'cleared {args.dir}: {sum(r["entries"] for r in rows)} entries, '
          f'{sum(r["bytes"] for r in rows) / 2**20:.1f} MiB')
    return 0


def _clear_stale(args):
    from onediff_kit.cache.stale import stale_temp_files
    removed = 0
    for path in stale_temp_files(args.dir, min_age=args.min_age):
        try:
            os.remove(path)
            removed += 1
        except FileNotFoundError:  # removed meanwhile
            pass
    print(f'cleared {removed} temporary files of interrupted writers from '
          f'{args.dir}; the cached entries stay')
    return 0


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'cache', help='inspect or clear a feature cache (CachedEncoder)',
        description='Inspect or clear a directory written by the feature '
        'cache of a frozen encoder (CachedEncoder cache.root).')
    sub = parser.add_subparsers(dest='cache_command', metavar='ACTION')
    info = sub.add_parser('info', help='entries and size per namespace')
    info.add_argument('dir')
    info.add_argument('--json', action='store_true')
    info.set_defaults(func=run_info)
    clear = sub.add_parser(
        'clear', help='delete every cached feature (--stale: only the '
        'temporary files of interrupted writers)')
    clear.add_argument('dir')
    clear.add_argument(
        '--stale', action='store_true',
        help='remove only temporary files whose writer process is gone, or '
        'older than --min-age; entries and running writers stay')
    clear.add_argument(
        '--min-age', type=float, default=3600.0, metavar='SECONDS',
        help='with --stale: a temporary file this old is stale even if a '
        'process with its writer\'s pid runs (pid reuse, another machine; '
        'default: 3600)')
    clear.set_defaults(func=run_clear)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)

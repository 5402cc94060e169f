"""``onediff data {check,import,synth,render,vocab}``: manifests,
importers, generators, word vocabulary.

Importers and generators (the fast one, Blender renderers) are looked up by
name in
``onediff_kit.registry.IMPORTERS`` / ``GENERATORS``; this module imports no
concrete component.
"""
import argparse
import json
import sys
from pathlib import Path


def _print_counts(summary, out=None):
    out = out or sys.stdout
    print(f'pairs: {summary["total"]}', file=out)
    for key in ('split', 'task', 'change_type'):
        counts = summary[key]
        parts = ', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))
        print(f'  {key:<12} {parts}', file=out)


def _decoder_tokenizer(args):
    """``(tokenizer or None, vocabulary source, max_length)`` of the
    config's decoder (``BaseDecoder.caption_tokenizer``)."""
    from mmengine.config import Config

    from onediff_kit.registry import MODELS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    decoder = cfg.get('model', {}).get('decoder')
    if not decoder or 'type' not in decoder:
        raise ValueError(f'{args.config}: no model.decoder with a type')
    decoder = decoder.to_dict() if hasattr(decoder, 'to_dict') else dict(
        decoder)
    cls = MODELS.get(decoder.pop('type'))
    if cls is None:
        raise ValueError(f'{args.config}: model.decoder.type is not a '
                         'registered decoder')
    tokenizer = cls.caption_tokenizer(**decoder)
    source = f'{cls.__name__} of {args.config}'
    if tokenizer is not None and decoder.get('vocab_file'):
        source += f' (vocab_file {decoder["vocab_file"]})'
    return tokenizer, source, decoder.get('max_length')


def _print_check(report, out=None):
    out = out or sys.stdout

    def say(text=''):
        print(text, file=out)

    say(f'manifest: {report["manifest"]} (data root {report["root"]})')
    _print_counts(report['summary'], out)
    if report['empty_references']:
        say(f'  flagged empty_references (evaluation only): '
            f'{report["empty_references"]}')
    bad = report['bad_lines']
    say(f'bad lines: {sum(v["count"] for v in bad.values())}')
    for kind, entry in bad.items():
        say(f'  {kind}: {entry["count"]}')
        for example in entry['examples']:
            say(f'    e.g. {example}')
    images = report.get('images')
    if images is not None:
        say('images (headers only):')
        for key, what in (('missing', 'pairs with a missing file'),
                          ('unreadable', 'pairs with an unreadable header'),
                          ('size_mismatch',
                           'pairs whose two images differ in size')):
            entry = images[key]
            split = f' {entry["per_split"]}' if entry['pairs'] else ''
            say(f'  {what}: {entry["pairs"]}{split}')
            for example in entry['examples']:
                say(f'    e.g. {example}')
    else:
        say('images: not checked (--no-files)')
    unit = 'words' if report['vocabulary']['source'].endswith('(words)') \
        else 'decoder tokens'
    limit = report['max_length']
    say(f'caption length in {unit}'
        f'{f" (max_length={limit}, EOS included)" if limit else ""}:')
    head = f'  {"split":<6} {"captions":>8} ' + ' '.join(
        f'{"p" + str(q):>5}' for q in (50, 90, 99)) + f' {"max":>5}'
    say(head + (' over max_length' if limit else ''))
    for split, row in report['caption_lengths'].items():
        line = f'  {split:<6} {row["captions"]:>8} ' + ' '.join(
            f'{row["p" + str(q)]:>5.0f}' for q in (50, 90, 99)) + \
            f' {row["max"]:>5}'
        if limit:
            line += f' {row["over_max_length"]:>6}'
        say(line)
    vocab = report['vocabulary']
    say(f'vocabulary: {vocab["source"]}')
    for split, row in vocab['splits'].items():
        words = ', '.join(row['examples'])
        say(f'  {split}: {row["unknown_pct"]:.1f} % of {row["tokens"]} '
            f'tokens unknown{f" (most often: {words})" if words else ""}')
    findings = report['findings']
    say()
    if not findings:
        say('findings: none')
    for level, text in findings:
        say(f'{level.upper()}: {text}')


def run_check(args):
    from onediff_kit.data.data_check import check_data
    from onediff_kit.data.manifest import ManifestError
    tokenizer = source = max_length = None
    if args.config:
        try:
            tokenizer, source, max_length = _decoder_tokenizer(args)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            print(f'error: --config {args.config}: {exc}', file=sys.stderr)
            return 2
    try:
        report = check_data(
            args.manifest, root=args.root, splits=args.split,
            tokenizer=tokenizer, vocabulary_source=source,
            max_length=max_length, check_files=not args.no_files,
            max_unknown_pct=args.max_unknown, examples=args.examples)
    except ManifestError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_check(report)
    levels = [level for level, _ in report['findings']]
    failed = 'error' in levels or (args.strict and levels)
    if not args.json:
        print(f'result: {levels.count("error")} errors, '
              f'{levels.count("warning")} warnings'
              f'{" (--strict)" if args.strict else ""}: '
              f'{"FAILED" if failed else "ok"}')
    return 1 if failed else 0


def run_import(args):
    from onediff_kit.data.manifest import (summarize, validate_record,
                                           write_manifest)
    from onediff_kit.registry import IMPORTERS
    IMPORTERS.import_from_location()
    if args.format not in IMPORTERS.module_dict:
        known = ', '.join(sorted(IMPORTERS.module_dict)) or 'none'
        print(f'error: no importer "{args.format}" (known: {known})',
              file=sys.stderr)
        return 2
    options = {}
    if args.per_entry:
        options['per_entry'] = True
    if args.image_dir is not None:
        options['image_dir'] = args.image_dir
    if args.drop_empty_references:
        options['drop_empty_references'] = True
    for item in args.option or []:
        key, _, value = item.partition('=')
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    try:
        importer = IMPORTERS.build(dict(type=args.format, **options))
        result = importer(args.src)
    except (OSError, KeyError, ValueError, TypeError) as exc:
        print(f'error: {args.format}: {exc}', file=sys.stderr)
        return 2
    root = Path(args.root if args.root is not None else args.src)
    records, missing, outside = [], [], []
    for rec in result.records:
        issues = validate_record(rec, root, check_files=True)
        escapes = [r for _, r in issues if 'outside the root' in r]
        if escapes:
            outside.append(f'pair {rec.get("pair_id")!r}: {escapes[0]}')
            continue
        if issues:
            missing.append(rec)
            if args.drop_missing:
                continue
        records.append(rec)
    upstream = sum(result.stats.get('pairs', {}).values())
    print(f'{args.format}: {len(result.records)} records from {upstream} '
          f'upstream pairs in {args.src}')
    for key, counts in result.stats.items():
        print(f'  {key}: {counts}')
    for note in result.notes:
        print(f'  note: {note}')
    if outside:
        print(f'  dropped {len(outside)} pairs whose image path leaves the '
              f'root {root} (first: {outside[0]})')
    if missing:
        print(_missing_hint(missing, root, args.drop_missing))
    if not records:
        print(f'error: {args.format}: no pair kept from {args.src} with '
              f'images under --root {root}; nothing written to {args.out}. '
              f'{_ROOT_HELP}', file=sys.stderr)
        return 1
    write_manifest(args.out, records)
    print(f'wrote {len(records)} records to {args.out}')
    _print_counts(summarize(records))
    vocab = Path(args.out).with_name('vocab.json')
    if not any(r['split'] == 'train' for r in records):
        print(f'  note: no train pair, so no vocabulary written ({vocab} is '
              'built from the train split; `onediff data vocab` builds one '
              'from other manifests)')
        if vocab.exists():
            print(f'  warning: {vocab} is left from an earlier import; it '
                  'does not describe this manifest')
        return 0
    from .data_vocab import write_vocab_file
    return write_vocab_file(
        vocab, [args.out],
        texts=args.vocab_text or (), min_freq=args.vocab_min_freq,
        vocab_size=args.vocab_size)


_ROOT_HELP = ('--root must be the folder that holds the images (their '
              'paths in the manifest are relative to it; default: --src)')


def _missing_hint(missing, root, dropped):
    """One paragraph on pairs whose image files are not under the root."""
    first = missing[0]
    example = next(root / first[k] for k in ('before', 'after')
                   if not (root / first[k]).is_file())
    verb = 'dropped (--drop-missing)' if dropped else 'kept in the manifest'
    return (f'  {len(missing)} pairs have a missing image file under the '
            f'root {root} (e.g. {example}): {verb}. If the images are '
            f'elsewhere, {_ROOT_HELP}; `onediff data check` lists what is '
            'missing.')


def _warn_empty_splits(summary, out=None):
    """Say which of train/val/test got no pair (too few pairs for three
    splits): the configs train on train, select on val and test on test.
    Returns the empty splits."""
    empty = [s for s in ('train', 'val', 'test')
             if not summary['split'].get(s)]
    if empty:
        print(f'warning: {summary["total"]} pairs are too few for three '
              f'splits: no {" and no ".join(empty)} pairs (the configs '
              'train on train, select checkpoints on val and test on '
              'test); generate more with --num (default 10000)',
              file=out or sys.stderr)
    return empty


def run_synth(args):
    from onediff_kit.data.generators import build_generator
    cfg = dict(size=args.size)
    if args.workers:
        cfg['workers'] = args.workers
    if args.real_fraction is not None:
        cfg['real_fraction'] = args.real_fraction
    if args.rules is not None:
        cfg['rules'] = args.rules
    try:
        gen = build_generator(args.generator, **cfg)
    except KeyError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    except TypeError as exc:  # an argument the generator does not take
        print(f'error: {args.generator or "the default generator"}: {exc}',
              file=sys.stderr)
        return 2
    summary = gen.generate(
        args.out, args.num, seed=args.seed, progress=not args.quiet)
    print(f'wrote {summary["total"]} pairs to {args.out} in '
          f'{summary["seconds"]} s ({args.out}/manifest.jsonl)')
    _print_counts(summary)
    _warn_empty_splits(summary)
    if summary.get('scenes'):
        print(f'single-image scenes: {summary["scenes"]} '
              f'({args.out}/scenes.jsonl)')
    if summary.get('vocab'):
        print(f'vocabulary: {summary["vocab"]} ({args.out}/vocab.json)')
    return 0


def run_render(args):
    from onediff_kit.registry import GENERATORS
    try:
        width, height = (int(v) for v in args.size.lower().split('x'))
    except ValueError:
        print(f'error: --size {args.size!r}: expected WxH, e.g. 480x320',
              file=sys.stderr)
        return 2
    cfg = dict(type=args.dataset, assets=args.assets, size=(width, height),
               samples=args.samples, workers=args.workers,
               blender=args.blender)
    try:
        gen = GENERATORS.build(cfg)
        summary = gen.generate(args.out, args.num, seed=args.seed,
                               progress=not args.quiet, shard=args.shard)
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        print(f'error: {args.dataset}: {exc}', file=sys.stderr)
        return 2
    failed = summary['failed']
    print(f'{args.dataset}: rendered {summary["rendered"]}, already there '
          f'{summary["skipped"]}, failed {len(failed)} (shard {args.shard}, '
          f'{summary["seconds"]} s); resampled for hidden objects '
          f'{summary["resampled"]}')
    for index, error in sorted(failed.items())[:5]:
        print(f'  failed triplet {index}: {error}')
    print(f'index files list {summary["total"]} finished triplets in '
          f'{args.out}')
    return 1 if failed else 0


def add_parser(subparsers):
    from .data_vocab import add_vocab_parser
    p = subparsers.add_parser(
        'data', help='check manifests, import benchmarks, make synthetic '
        'data, build the word vocabulary')
    sub = p.add_subparsers(dest='data_command', metavar='ACTION')
    p.set_defaults(func=lambda args: p.print_help() or 2)
    _add_check_parser(sub)
    _add_import_parser(sub)
    _add_synth_parser(sub)
    _add_render_parser(sub)
    add_vocab_parser(sub)


def _add_check_parser(sub):
    from mmengine.config import DictAction
    c = sub.add_parser(
        'check', help='check a data set before a long job: bad lines, '
        'missing images, size mismatches, caption lengths, vocabulary',
        description='A summary by reason with counts and a few examples. '
        'Exit 1 on an error (bad lines, missing or unreadable images, val/'
        'test tokens unknown to the vocabulary above --max-unknown), and '
        'with --strict also on a warning (image sizes that differ, '
        'captions over max_length); 2 when the manifest or config cannot '
        'be read.')
    c.add_argument('manifest', help='JSONL manifest')
    c.add_argument(
        '--root', help='data root of the image paths (default: the '
        "manifest's folder)")
    c.add_argument(
        '--config', help="experiment config: caption lengths in its "
        "decoder's tokens against model.decoder.max_length, coverage by "
        'the vocabulary it builds (default: words, vocabulary of the '
        "manifest's train split)")
    c.add_argument(
        '--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
        help='override config values, as in tools/train.py')
    c.add_argument('--split', nargs='+', metavar='SPLIT',
                   help='report only these splits (default: all)')
    c.add_argument(
        '--no-files', action='store_true',
        help='do not check the image files')
    c.add_argument(
        '--max-unknown', type=float, default=5.0, metavar='PCT',
        help='share of unknown val/test tokens that is an error (default '
        '5)')
    c.add_argument('--strict', action='store_true',
                   help='exit 1 on warnings too')
    c.add_argument('--examples', type=int, default=3,
                   help='examples per reason (default 3)')
    c.add_argument('--json', action='store_true', help='print JSON')
    c.set_defaults(func=run_check)


def _add_import_parser(sub):
    from .data_vocab import add_import_vocab_arguments
    i = sub.add_parser('import', help='turn benchmark annotations into a '
                       'manifest')
    i.add_argument('format', help='importer name (`onediff list --kind '
                   'importer` lists them)')
    i.add_argument('--src', required=True,
                   help='folder (or file) of the upstream annotations')
    i.add_argument('--out', required=True, help='manifest to write')
    i.add_argument('--root', help='data root the image paths are relative '
                   'to (default: --src)')
    i.add_argument('--per-entry', action='store_true',
                   help='for importers that merge the references of an '
                   'image pair: one record per upstream entry instead')
    i.add_argument('--image-dir', help='image folder inside the root, for '
                   'importers that take one')
    i.add_argument('--drop-missing', action='store_true',
                   help='leave out pairs whose image files are missing '
                   'under --root (an import that keeps no pair fails)')
    i.add_argument('--drop-empty-references', action='store_true',
                   help='also leave out val/test pairs whose references '
                   'are all empty upstream (default: kept, flagged '
                   '"empty_references", as published scores count them; '
                   'train pairs without a caption are always left out)')
    i.add_argument('--option', action='append', metavar='KEY=VALUE',
                   help='extra importer option (repeatable)')
    add_import_vocab_arguments(i)
    i.set_defaults(func=run_import)


def _add_synth_parser(sub):
    s = sub.add_parser('synth', help='generate the synthetic data set')
    s.add_argument('--out', required=True, help='output folder (data root)')
    s.add_argument('--num', type=int, default=10000, help='number of pairs')
    s.add_argument('--seed', type=int, default=0)
    s.add_argument('--size', type=int, default=128,
                   help='image side (px; the width of a 3:2 generator)')
    s.add_argument('--workers', type=int, help='processes (default: CPUs)')
    s.add_argument('--real-fraction', type=float,
                   help='share of edited real photos (default 0.1)')
    s.add_argument('--generator',
                   help='registered generator name (default: the one '
                   'registered; `onediff list --kind generator`)')
    s.add_argument('--rules', type=_json_object, metavar='JSON',
                   help='scene rules of a CLEVR-Change generator (keyword '
                   'arguments of SceneRules), e.g. '
                   '\'{"view_camera_jitter": 2.0}\'')
    s.add_argument('--quiet', action='store_true', help='no progress bar')
    s.set_defaults(func=run_synth)


def _json_object(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f'not JSON: {exc}') from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f'expected a JSON object, got {text!r}')
    return value


def _add_render_parser(sub):
    r = sub.add_parser(
        'render', help='render a benchmark with Blender',
        description='Render a data set in its release layout with a '
        'registered Blender renderer. A seed gives the same scenes on every '
        'machine and shard; finished items are skipped, so a killed run '
        'resumes. See docs/clevr_render.md.')
    r.add_argument('dataset', help='registered renderer (`onediff list '
                   '--kind generator`)')
    r.add_argument('--assets', required=True,
                   help="CLEVR's image_generation/data folder "
                   '(base_scene.blend, shapes/, materials/, properties.json)')
    r.add_argument('--out', required=True, help='output folder')
    r.add_argument('--num', type=int, required=True,
                   help='number of triplets (indices 0 .. NUM-1)')
    r.add_argument('--size', default='480x320', help='WxH (default 480x320)')
    r.add_argument('--samples', type=int, default=64,
                   help='Cycles samples per pixel (default 64)')
    r.add_argument('--seed', type=int, default=0)
    r.add_argument('--workers', type=int, default=1,
                   help='Blender processes at once (default 1)')
    r.add_argument('--shard', default='0/1', metavar='K/N',
                   help='render only indices i with i %% N == K (K from 0, '
                   'e.g. $SLURM_ARRAY_TASK_ID/8)')
    r.add_argument('--blender', default='blender',
                   help='Blender executable (default: blender on PATH)')
    r.add_argument('--quiet', action='store_true', help='no progress bar')
    r.set_defaults(func=run_render)

"""``onediff eval``: score a prediction file against references."""
import json
import os.path as osp
import sys


def run(args):
    from mmengine.logging import MMLogger

    from onediff_kit.data.manifest import ManifestError
    from onediff_kit.evaluation import (EvaluationInputError, format_table,
                                        score_files)
    from onediff_kit.evaluation.report import scale_note

    # This command prints the warnings and the protocol itself.
    if MMLogger.check_instance_created('onediff_eval'):
        MMLogger.get_instance('onediff_eval')  # make it current again
    else:
        MMLogger.get_instance('onediff_eval', log_level='ERROR')
    cfg = dict(
        metrics=args.metrics,
        protocol=args.protocol,
        cider_variant=args.cider,
        spice={'auto': 'auto', 'on': True, 'off': False}[args.spice],
        tokenizer=args.tokenizer,
        per_type=not args.no_per_type,
        java=args.java)
    try:
        result = score_files(args.preds, args.refs, args.split,
                             args.allow_missing, args.semantic, **cfg)
    except (EvaluationInputError, ManifestError) as exc:
        print(f'onediff eval: error: {exc}', file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. an unknown --protocol
        print(f'onediff eval: error: {exc}', file=sys.stderr)
        return 2
    except RuntimeError as exc:  # Java missing, METEOR/PTB failures
        print(f'onediff eval: error: {exc}', file=sys.stderr)
        return 1
    for w in result['warnings']:
        print(f'warning: {w}', file=sys.stderr)
    if args.scale != 1:
        print(scale_note(args.scale) + '\n')
    print(
        format_table(result['scores'], result['per_type'], args.digits,
                     result['counts'].get('pairs'), scale=args.scale))
    print(f'\nprotocol: {result["protocol"]}')
    if args.semantic:
        sem = result['semantic']
        print('\nsemantic change accuracy '
              f'({sem["counts"]["pairs"]} pairs with scene truth, '
              f'{sem["counts"]["skipped"]} skipped):')
        print(format_table(sem['scores'], sem['per_type'], args.digits,
                           sem['counts']['pairs'], scale=args.scale))
    if args.out:
        payload = dict(
            preds=osp.abspath(args.preds),
            refs=osp.abspath(args.refs),
            split=args.split,
            protocol=result['protocol'],
            scores=result['scores'],
            per_type=result['per_type'],
            counts=result['counts'],
            warnings=result['warnings'])
        if args.semantic:
            payload['semantic'] = {
                k: v
                for k, v in result['semantic'].items() if k != 'metrics'
            }
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(payload, f, indent=2, ensure_ascii=False)
        print(f'wrote {args.out}')
    return 0


def add_scale_argument(parser):
    """``--scale 1|100``, shared by ``onediff eval`` and ``onediff test``."""
    parser.add_argument(
        '--scale',
        type=int,
        default=1,
        choices=[1, 100],
        help='print the tables x100, the scale of IDC papers (CIDEr 2.49 '
        'shows as 249); the JSON output keeps the raw values (default: 1)')


def add_parser(subparsers):
    p = subparsers.add_parser(
        'eval',
        help='score captions (BLEU, METEOR, ROUGE-L, CIDEr) of a prediction '
        'file',
        description='Score a COCO results file [{"image_id", "caption"}] '
        'against a pair manifest (JSONL) or a COCO caption ground truth, '
        'with PTB tokenisation and pycocoevalcap scorers (see '
        'docs/evaluation.md).')
    p.add_argument('--preds', required=True, help='prediction file (JSON)')
    p.add_argument(
        '--refs', required=True, help='manifest (.jsonl) or COCO GT (.json)')
    p.add_argument('--split', help='score only this manifest split')
    p.add_argument('--out', help='write the scores here as JSON')
    p.add_argument(
        '--allow-missing',
        action='store_true',
        help='score only the predicted pairs when some references have no '
        'prediction (default: error)')
    p.add_argument(
        '--metrics',
        nargs='+',
        default=['BLEU', 'METEOR', 'ROUGE-L', 'CIDEr'],
        choices=['BLEU', 'METEOR', 'ROUGE-L', 'CIDEr', 'SPICE'],
        metavar='METRIC',
        help='any of BLEU METEOR ROUGE-L CIDEr SPICE (default: all but '
        'SPICE; drop METEOR where Java is missing)')
    p.add_argument(
        '--protocol',
        default='coco',
        help="a benchmark's published protocol, as the caption metric "
        'names them (docs/benchmarks.md); default coco: per change type, '
        'CIDEr-D')
    p.add_argument(
        '--cider',
        choices=['CIDEr-D', 'CIDEr'],
        help="CIDEr-D: pycocoevalcap Cider, the usual number (the protocol's "
        'default); CIDEr: original unclipped CIDEr')
    p.add_argument(
        '--spice',
        default='auto',
        choices=['auto', 'on', 'off'],
        help='auto: only where Stanford CoreNLP is installed (default)')
    p.add_argument(
        '--tokenizer',
        default='ptb',
        choices=['ptb', 'simple'],
        help='ptb: Stanford PTBTokenizer (Java; default); simple: pure '
        'Python, not comparable with published numbers')
    p.add_argument(
        '--no-per-type',
        action='store_true',
        help='skip the per-change-type breakdown')
    p.add_argument(
        '--semantic',
        action='store_true',
        help='also report semantic change accuracy (synthetic manifests '
        'whose records carry scene truth in "meta")')
    p.add_argument(
        '--java', default='java', help='the Java executable (default: java)')
    p.add_argument(
        '--digits',
        type=int,
        help='decimals in the table (default: 4, or 2 with --scale 100)')
    add_scale_argument(p)
    p.set_defaults(func=run)

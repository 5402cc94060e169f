"""``onediff data vocab`` and the vocabulary file that ``onediff data
import`` writes beside its manifest (:mod:`onediff_kit.data.vocab`)."""
import sys


def write_vocab_file(out, manifests, **kwargs):
    """Write a vocabulary file (:func:`onediff_kit.data.vocab.write_vocab`)
    and say what it holds; 0, or 2 with the error naming the file."""
    from onediff_kit.data.jsonl import JsonlError
    from onediff_kit.data.vocab import write_vocab
    try:
        report = write_vocab(out, manifests, **kwargs)
    except (OSError, JsonlError, ValueError) as exc:
        print(f'error: vocabulary: {exc}', file=sys.stderr)
        return 2
    records = ', '.join(f'{n} records of {m}'
                        for m, n in report.records.items())
    print(f'wrote the vocabulary {out}: {report.summary()}'
          f'{f" ({records})" if records else ""}')
    return 0


def run_vocab(args):
    splits = None if 'all' in args.splits else tuple(args.splits)
    return write_vocab_file(args.out, args.manifest, splits=splits,
                            texts=args.text or (), min_freq=args.min_freq,
                            vocab_size=args.vocab_size)


def add_import_vocab_arguments(parser):
    """The import's options for the vocab.json it writes."""
    parser.add_argument(
        '--vocab-text', action='append', metavar='TEXT',
        help='text added to the vocabulary written beside the manifest '
        "(vocab.json, from the train split), e.g. the config's task prompt "
        '(repeatable)')
    parser.add_argument(
        '--vocab-min-freq', type=int, default=1, metavar='N',
        help='words seen fewer times in train become [UNK] (default 1)')
    parser.add_argument(
        '--vocab-size', type=int, metavar='N',
        help='most tokens in the vocabulary, 4 special tokens included '
        '(default: no limit)')


def add_vocab_parser(sub):
    """``onediff data vocab`` under the ``data`` subparsers ``sub``."""
    v = sub.add_parser(
        'vocab', help='build the word vocabulary file a decoder config '
        'names (model.decoder.vocab_file)',
        description='The word tokenizer of the captions (captions, '
        "gt_caption, prompt) of the manifests' records of --splits, then "
        'the --text texts; ids by decreasing count, so the same input '
        'writes the same file.')
    v.add_argument('manifest', nargs='+', help='JSONL manifests')
    v.add_argument('--out', required=True, help='vocabulary file to write')
    v.add_argument('--splits', nargs='+', default=['train'],
                   metavar='SPLIT', help='record splits read (default '
                   'train; "all" = every record)')
    v.add_argument('--text', action='append', metavar='TEXT',
                   help='more text, e.g. a task prompt (repeatable)')
    v.add_argument('--min-freq', type=int, default=1, metavar='N',
                   help='words seen fewer times become [UNK] (default 1)')
    v.add_argument('--vocab-size', type=int, metavar='N',
                   help='most tokens, 4 special tokens included (default: '
                   'no limit)')
    v.set_defaults(func=run_vocab)

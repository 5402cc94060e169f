"""``onediff caption``: caption one pair, or every pair of a manifest.

    onediff caption BEFORE AFTER --model DIR [--beam N] [--json]
        [--device D] [--visualize OUT.png]
    onediff caption --manifest M [--root DIR] [--split S] --out preds.json
        --model DIR [--batch-size B]

The model is a pretrained folder (``--model DIR``, see
``DiffCaptioner.from_pretrained``), or a checkpoint (``--checkpoint K``,
with the config stored in it, or ``--config C``).

The manifest mode writes a COCO results file
(``[{"image_id": pair_id, "caption": ...}]``) that ``onediff eval --preds
preds.json --refs M`` scores.
"""
import json
import os.path as osp
import sys

from onediff_kit.cli.model_args import (add_model_arguments, build_captioner,
                                        loading_errors, model_arguments_error)
from onediff_kit.fileio import atomic_open

PROG = 'onediff caption'


def _error(message, code=2):
    print(f'{PROG}: error: {message}', file=sys.stderr)
    return code


def _options(args):
    return dict(num_beams=args.beam, max_length=args.max_length,
                task=args.task, prompt=args.prompt)


def _caption_pair(captioner, args):
    options = _options(args)
    if args.visualize:
        sample = captioner.visualize(args.before, args.after, args.visualize,
                                     title=osp.basename(args.before) + ' -> ' +
                                     osp.basename(args.after), **options)
    else:
        sample = captioner.predict([(args.before, args.after)],
                                   **options)[0]
    caption = sample.pred_caption
    if args.json:
        print(json.dumps(dict(
            before=args.before, after=args.after, caption=caption,
            prompt=sample.metainfo.get('prompt'),
            num_beams=captioner.model.decoder.num_beams
            if args.beam is None else args.beam,
            visualization=args.visualize), ensure_ascii=False))
    else:
        print(caption)
        if args.visualize:
            print(f'wrote {args.visualize}', file=sys.stderr)
    return 0


def _manifest_pairs(captioner, args):
    from onediff_kit.data.manifest import load_manifest
    root = args.root if args.root is not None else osp.dirname(
        osp.abspath(args.manifest))
    records = load_manifest(args.manifest, split=args.split, root=root)
    if not records:
        raise ValueError(f'{args.manifest}: no records'
                         + (f' of split {args.split!r}' if args.split else ''))
    pairs = []
    for rec in records:
        if args.prompt is None and args.task is None:
            prompt = captioner.task_prompts.get(rec['task'],
                                                captioner.default_prompt)
        else:
            prompt = captioner.prompt_for(args.task, args.prompt)
        pairs.append(dict(pair_id=rec['pair_id'], before=rec['before'],
                          after=rec['after'], data_root=root,
                          task=rec['task'], prompt=prompt,
                          captions=rec['captions']))
    return pairs


def _caption_manifest(captioner, args):
    from onediff_kit.visualization import (delta_attention_maps,
                                           draw_diff_caption)
    pairs = _manifest_pairs(captioner, args)
    samples = captioner.predict(
        pairs, batch_size=args.batch_size, num_beams=args.beam,
        max_length=args.max_length, need_attention=bool(args.visualize),
        progress=False if args.no_progress else 'captioning')
    results = [dict(image_id=s.metainfo['pair_id'], caption=s.pred_caption)
               for s in samples]
    with atomic_open(args.out, 'w') as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    print(f'wrote {len(results)} captions to {args.out}')
    if args.visualize:
        from onediff_kit.apis import to_rgb_array
        for pair, sample in list(zip(pairs, samples))[:args.vis_num]:
            name = ''.join(c if c.isalnum() or c in '-_.' else '_'
                           for c in str(pair['pair_id']))
            attention = sample.get('delta_attention')
            draw_diff_caption(
                to_rgb_array(pair['before'], pair['data_root']),
                to_rgb_array(pair['after'], pair['data_root']),
                sample.pred_caption, pair['captions'],
                attention_maps=(None if attention is None else
                                delta_attention_maps(attention)),
                out_file=osp.join(args.visualize, f'{name}.png'),
                title=str(pair['pair_id']))
        print(f'wrote {min(args.vis_num, len(pairs))} figures to '
              f'{args.visualize}')
    return 0


def run(args):
    single = args.before is not None or args.after is not None
    if single and args.manifest:
        return _error('give either BEFORE AFTER or --manifest, not both')
    if not single and not args.manifest:
        return _error('give BEFORE AFTER images, or --manifest M --out F')
    if single and (args.before is None or args.after is None):
        return _error('give both BEFORE and AFTER images')
    if args.manifest and not args.out:
        return _error('--manifest needs --out preds.json')
    if args.manifest and not osp.isfile(args.manifest):
        return _error(f'manifest {args.manifest} not found')
    problem = model_arguments_error(args)
    if problem:
        return _error(problem)
    if single:
        for path in (args.before, args.after):
            if not osp.isfile(path):
                return _error(f'image {path} not found')
    from mmengine.logging import MMLogger

    # mmengine logs to stdout; keep it for the captions (and --json).
    previous = MMLogger.get_current_instance().instance_name
    if MMLogger.check_instance_created('onediff_caption'):
        MMLogger.get_instance('onediff_caption')  # make it current again
    else:
        MMLogger.get_instance('onediff_caption', log_level='ERROR')
    try:
        return _run(args)
    finally:
        MMLogger.get_instance(previous)


def _run(args):
    from onediff_kit.data.manifest import ManifestError

    single = args.before is not None
    try:
        captioner = build_captioner(args, batch_size=args.batch_size)
        if single:
            return _caption_pair(captioner, args)
        return _caption_manifest(captioner, args)
    except loading_errors() as exc:
        return _error(str(exc))
    except (ManifestError, OSError, ValueError, KeyError, TypeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args \
            else str(exc)
        return _error(message)


def add_parser(subparsers):
    p = subparsers.add_parser(
        'caption',
        help='caption image pairs with a trained model',
        description='Caption one image pair (BEFORE AFTER), or every pair of '
        'a manifest into a COCO results file for `onediff eval`.')
    p.add_argument('before', nargs='?', help='the before image')
    p.add_argument('after', nargs='?', help='the after image')
    add_model_arguments(p)
    p.add_argument('--device', help='cpu, cuda, cuda:1 (default: cuda when '
                   'available)')
    p.add_argument('--beam', type=int, help='beam size (1 = greedy; default '
                   'from the config)')
    p.add_argument('--max-length', type=int,
                   help='most generated tokens (default from the config)')
    p.add_argument('--task', help="task prompt to use (a key of the config's "
                   'task_prompts; default: the first, or in manifest mode '
                   "each record's task)")
    p.add_argument('--prompt', help='a prompt given directly')
    p.add_argument('--json', action='store_true',
                   help='print the single caption as a JSON object')
    p.add_argument('--visualize', metavar='OUT',
                   help='single pair: write a PNG here (images, captions, '
                   'attention heat maps); manifest mode: a folder for the '
                   'first --vis-num pairs')
    p.add_argument('--vis-num', type=int, default=8,
                   help='pairs drawn in manifest mode (default 8)')
    p.add_argument('--manifest', help='caption every pair of this manifest')
    p.add_argument('--root', help="data root of the manifest's image paths "
                   "(default: the manifest's folder)")
    p.add_argument('--split', help='caption only this split')
    p.add_argument('--out', help='manifest mode: write COCO results here')
    p.add_argument('--batch-size', type=int, default=8,
                   help='pairs per forward pass (default 8)')
    p.add_argument('--no-progress', action='store_true',
                   help='no progress bar')
    p.set_defaults(func=run)

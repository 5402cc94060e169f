"""Score a model on the Blender-rendered CLEVR-Change evaluation set.

The set: ``--num`` triplets (default 150: 30 per change type, each with its
distractor, all in the test split) rendered by ``onediff data render
clevr-change`` at 240x160 with 64 samples, seed 0. It is rendered into
``--cache`` (outside git) when missing or unfinished; finished triplets
are reused. ``hashes.sha256`` in the cache lists every image's sha256
(``sha256sum -c hashes.sha256`` checks a copy); the digest of that list is
printed, to compare with docs/clevr_render.md.

With ``--config`` and ``--checkpoint`` the model is tested on the set
under the ``clevr-change-duda`` protocol (CIDEr and the rest per group),
semantic accuracy and the pointing game; the config's test pipeline is
kept and its prompt for ``--prompt-task`` asks the question. The transfer
summary (change type on the semantic pairs, "no change" on the
distractors, object accuracy, pointing hit rate, CIDEr per group) is
printed and written to ``transfer.json`` in the work dir.

Usage:
    python -m bench.bench_clevr_change_eval --assets DIR
        [--cache ~/.cache/onediff/clevr-change-eval] [--num 150]
        [--workers 2] [--config CFG --checkpoint PTH
        [--work-dir work_dirs/clevr_change_eval] [--cfg-options K=V ...]]
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get(
    'ONEDIFF_CACHE', Path.home() / '.cache' / 'onediff')) / \
    'clevr-change-eval'


def write_hashes(root):
    """``hashes.sha256`` of every image under ``root``; returns the list's
    own sha256."""
    lines = []
    for folder in ('images', 'sc_images', 'nsc_images'):
        for png in sorted((root / folder).glob('*.png')):
            digest = hashlib.sha256(png.read_bytes()).hexdigest()
            lines.append(f'{digest}  {folder}/{png.name}\n')
    text = ''.join(lines)
    (root / 'hashes.sha256').write_text(text)
    return hashlib.sha256(text.encode()).hexdigest(), len(lines)


def test_config(config, root, prompt_task, options=None):
    """The model's config (with ``options`` merged, as ``--cfg-options``
    gives them), tested on the rendered set (a temp file)."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    dataset = cfg.test_dataloader.dataset
    prompts = dict(dataset.get('prompts') or {})
    if prompt_task not in prompts:
        raise KeyError(f'{config}: no prompt for task {prompt_task!r} '
                       f'(has {sorted(prompts)}); pass --prompt-task')
    dataset.update(data_root=str(root), ann_file='manifest.jsonl',
                   split='test',
                   prompts=dict(clevr_change=prompts[prompt_task]))
    cfg.test_evaluator = [
        dict(type='CaptionMetric', protocol='clevr-change-duda'),
        dict(type='SemanticChangeMetric'),
        dict(type='PointingGameMetric'),
    ]
    fd, path = tempfile.mkstemp(suffix='.py')
    os.close(fd)
    cfg.dump(path)
    return path


def main(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--assets', required=True,
                   help="CLEVR's image_generation/data folder")
    p.add_argument('--cache', type=Path, default=DEFAULT_CACHE,
                   help=f'render folder (default {DEFAULT_CACHE})')
    p.add_argument('--num', type=int, default=150)
    p.add_argument('--size', default='240x160')
    p.add_argument('--samples', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--config', help='model config to score')
    p.add_argument('--checkpoint', help='its checkpoint')
    p.add_argument('--prompt-task', default='synth_diff',
                   help="task whose prompt in the config's test dataset "
                   'asks for the change (default synth_diff)')
    p.add_argument('--work-dir', default='work_dirs/clevr_change_eval',
                   help='`onediff test` work dir (default %(default)s)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config keys, as for `onediff test` (the '
                   'ones the model was trained with)')
    args = p.parse_args(argv)

    import onediff_kit
    onediff_kit.init()  # plugins
    from onediff_kit.cli.main import main as onediff
    from onediff_kit.registry import GENERATORS
    width, height = (int(v) for v in args.size.split('x'))
    gen = GENERATORS.build(dict(
        type='clevr-change', assets=args.assets, size=(width, height),
        samples=args.samples, workers=args.workers,
        rules=dict(split_fractions=(0, 0, 1))))
    summary = gen.generate(args.cache, args.num, seed=args.seed)
    print(f'{args.cache}: {summary["total"]} triplets ({summary["rendered"]}'
          f' rendered now in {summary["seconds"]} s, '
          f'{len(summary["failed"])} failed)')
    digest, count = write_hashes(args.cache)
    print(f'hashes.sha256: {count} images, sha256 of the list {digest}')
    code = onediff(['data', 'import', 'clevr-change', '--src',
                    str(args.cache), '--out',
                    str(args.cache / 'manifest.jsonl')])
    if code or not args.config:
        return code
    from onediff_kit.cli import test as test_command
    cfg = test_config(args.config, args.cache, args.prompt_task,
                      args.cfg_options)
    try:
        test_command.main([cfg, args.checkpoint, '--work-dir',
                           args.work_dir])
    finally:
        os.remove(cfg)
    summary = transfer_summary(Path(args.work_dir))
    print('transfer: ' + json.dumps(summary))
    return 0


def transfer_summary(work_dir):
    """The figures of the transfer table from the score files ``onediff
    test`` wrote: change type accuracy over the semantic pairs (and per
    type), the share of distractors captioned as no change, object
    accuracy (semantic pairs), pointing hit rate and CIDEr per group.
    Written to ``work_dir/transfer.json``."""
    semantic = json.loads((work_dir / 'semantic_scores.json').read_text())
    captions = json.loads((work_dir / 'scores.json').read_text())
    pointing = json.loads((work_dir / 'pointing_scores.json').read_text())
    per_type = {k: v for k, v in semantic['per_type'].items()
                if k != 'none'}
    total = sum(v['n'] for v in per_type.values())
    summary = dict(
        semantic_change_type=round(sum(
            v['n'] * v['change_type_accuracy']
            for v in per_type.values()) / total, 4),
        change_type_per_type={k: round(v['change_type_accuracy'], 4)
                              for k, v in per_type.items()},
        distractor_no_change=round(
            semantic['per_type']['none']['change_type_accuracy'], 4),
        object_accuracy=round(semantic['scores']['object_accuracy'], 4),
        pointing_hit_rate=round(pointing['scores']['hit_rate'], 4),
        cider=dict(total=round(captions['scores']['CIDEr'], 4),
                   **{k: round(v['CIDEr'], 4)
                      for k, v in captions['per_type'].items()}))
    (work_dir / 'transfer.json').write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == '__main__':
    sys.exit(main())

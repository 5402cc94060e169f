"""The quality ablation of OneDiff at an equal training budget on the
default data (data/synthdiff): one row per variant, each ONE
``tools/train.py`` run of the default config with ``--cfg-options`` (same
schedule: the config's stage 1 + stage 2 iterations, same seed), then
``tools/test.py``
on the best checkpoint (best validation CIDEr), which writes ``scores.json``
into the row's work dir (``work_dirs/ablation/<row>``). ``--run`` then
copies the scores into the run's record, ``bench/records/ablation/<row>-
seed<N>.json`` (see ablation_records.py), which is committed: ``--table``
reads the records, not the work dirs, so runs made on different days add up.

    .venv/bin/python bench/ablation.py --list
    .venv/bin/python bench/ablation.py --run vdm subtract ...   # sequential
    .venv/bin/python bench/ablation.py --run all [--dry-run]
    .venv/bin/python bench/ablation.py --record --rows ROW --seeds N
    .venv/bin/python bench/ablation.py --table   # -> bench/results/ablation.md
    .venv/bin/python bench/ablation.py --check   # build each row's model

Rows (cfg-options only; everything else as the default config):

* the auxiliary head: default (the default config: VDM + ChangeAttributeHead)
  against vdm (``model.delta_head=None``, the paper's recipe), and
  subtract_head (SubtractDelta + the head). Every other row also sets
  ``model.delta_head=None``, so the rows below compare on the paper's
  recipe.
* delta module: vdm, subtract, concat, crosstransformer, nodelta.
  mmengine's ``--cfg-options`` merges dicts key by key, so a swap replaces
  ``model.delta`` wholesale with ``model.delta._delete_=True`` followed by
  every key of the variant's dict in configs/_base_/models/ (the same dict
  as the variant base config).
* the VDM's memory: vdm_prior1 and vdm_no_prior (the change prior on
  the attention starting at 1, or none), vdm_separate (separate
  before/after/B-A tokens instead of one fused token per place),
  vdm_separate_no_prior, vdm_paper (the paper's memory: the two images'
  tokens only).
* no_stage1: no Coupled Sample Training. Equal budget: stage 1 keeps its
  iterations but reads the difference pairs (``train_cfg.stages.0.dataloader
  =None`` = the main train dataloader), so the whole run trains on
  difference captions with the same LR schedule and trainable parts.
* vdm_random_init: VDM randomly initialised (``model.delta.bert_init=None``)
  against MiniLM init (vdm).
* encoder_random_frozen: randomly initialised encoder, still frozen
  (``model.encoder.pretrained=None``) against the frozen ImageNet encoder.
* encoder_random_trainable / encoder_pretrained_trainable: both encoders
  trained end to end (``model.encoder.frozen_stages=-1``), the fair
  comparison when a random encoder may learn.
* speed settings (issue 22), with the head like default: default_bf16
  (bfloat16 autocast, what ``--amp`` does on a CPU) and default_cached
  (the feature cache with one fixed colour-jitter draw per pair); each
  against default, three seeds each way (``--run default_bf16
  default_cached --seeds 0 1 2``), to decide whether they can become the
  demo's default.

Seeds: ``--seeds 0 1 2`` trains each row once per seed (seed 0 in
``work_dirs/ablation/<row>``, seed N in ``<row>-seedN``); ``--table
--seeds 0 1 2`` reports the median over the seeds that have records, and
which seeds those are. ``--resume`` continues an interrupted run from the
last checkpoint in its work dir.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402
import ablation_records as R  # noqa: E402

CONFIG = 'configs/onediff/onediff_mobilenetv2-vdm_synthdiff.py'
WORK = 'work_dirs/ablation'
PY = '.venv/bin/python'


def _delta_swap(pairs):
    return ['model.delta._delete_=True'] + [f'model.delta.{k}={v}'
                                            for k, v in pairs]


# name -> (description, cfg-options). Values in the form DictAction parses.
ROWS = {
    'default': ('the default config: VisualDeltaModule (MiniLM init, fused '
                'A/B/B-A memory tokens, change prior) + ChangeAttributeHead '
                'on the delta tokens, CST stage 1, ImageNet encoder frozen',
                []),
    'subtract_head': ('SubtractDelta + ChangeAttributeHead (the default\'s '
                      'recipe with the baseline delta module)',
                      _delta_swap([('type', 'SubtractDelta'), ('level', -1),
                                   ('embed_dims', 256),
                                   ('keep_attention', True)])),
    'vdm': ('the default without the head: VisualDeltaModule alone', []),
    'subtract': ('SubtractDelta', _delta_swap(
        [('type', 'SubtractDelta'), ('level', -1), ('embed_dims', 256),
         ('keep_attention', True)])),
    'concat': ('ConcatDelta', _delta_swap(
        [('type', 'ConcatDelta'), ('level', -1), ('embed_dims', 256),
         ('grid', 2)])),
    'crosstransformer': ('CrossTransformerDelta', _delta_swap(
        [('type', 'CrossTransformerDelta'), ('level', -2),
         ('embed_dims', 256), ('num_layers', 2), ('num_heads', 4),
         ('ffn_dims', 1024), ('grid', 2)])),
    'nodelta': ('NoDelta (image tokens only)',
                _delta_swap([('type', 'NoDelta')])),
    'no_stage1': ('VDM without stage-1 Coupled Sample Training (stage 1 '
                  'trains on difference pairs)',
                  ['train_cfg.stages.0.name=difference_warmup',
                   'train_cfg.stages.0.dataloader=None']),
    'vdm_prior1': ('VDM with the change prior starting at 1 (default 3)',
                   ['model.delta.change_prior=1.0']),
    'vdm_no_prior': ('VDM without the change prior on its attention',
                     ['model.delta.change_prior=None']),
    'vdm_separate': ('VDM with separate before, after and B-A tokens '
                     '(not fused), change prior starting at 1',
                     ['model.delta.fuse_images=False',
                      'model.delta.change_prior=1.0']),
    'vdm_separate_no_prior': ('VDM with separate before, after and B-A '
                              'tokens, no change prior',
                              ['model.delta.fuse_images=False',
                               'model.delta.change_prior=None']),
    'vdm_paper': ('VDM as in the paper: separate tokens of the two images '
                  'only (no B-A tokens, no change prior)',
                  ['model.delta.fuse_images=False',
                   'model.delta.with_difference=False',
                   'model.delta.change_prior=None']),
    'vdm_random_init': ('VDM randomly initialised (no MiniLM)',
                        ['model.delta.bert_init=None']),
    'encoder_random_frozen': ('randomly initialised encoder, frozen',
                              ['model.encoder.pretrained=None']),
    'encoder_random_trainable': ('randomly initialised encoder, trained',
                                 ['model.encoder.pretrained=None',
                                  'model.encoder.frozen_stages=-1']),
    'encoder_pretrained_trainable': ('ImageNet encoder, trained',
                                     ['model.encoder.frozen_stages=-1']),
    'default_bf16': ('the default trained with bfloat16 autocast (what '
                     '--amp does on a CPU)',
                     ['optim_wrapper.type=CPUAutocastOptimWrapper']),
    'default_cached': ('the default with the feature cache and one fixed '
                       'colour-jitter draw per pair (FixedVariants K=1)',
                       ['model.feature_cache.enable=True',
                        'train_dataloader.dataset.pipeline.2.num_variants=1',
                        'train_cfg.stages.0.dataloader.dataset.pipeline.2.'
                        'num_variants=1']),
}


# The paper's recipe has no auxiliary head; the default config adds
# ChangeAttributeHead on the delta tokens. Every row but these is measured
# without it (NO_HEAD appended), so the delta modules, memories, stages and
# encoders are compared on the paper's recipe.
WITH_HEAD = ('default', 'subtract_head', 'default_bf16', 'default_cached')
NO_HEAD = ['model.delta_head=None']
ROWS = {
    name: (desc, opts if name in WITH_HEAD else opts + NO_HEAD)
    for name, (desc, opts) in ROWS.items()
}


def work_dir(row, seed=0):
    # Seed 0 keeps the plain name, so earlier runs are still found.
    return f'{WORK}/{row}' if seed == 0 else f'{WORK}/{row}-seed{seed}'


def train_cmd(row, seed=0, resume=False):
    cmd = [PY, 'tools/train.py', CONFIG, '--work-dir', work_dir(row, seed),
           '--seed', str(seed)]
    if resume:  # from the work dir's last checkpoint, if any
        cmd.append('--resume')
    opts = ROWS[row][1]
    if opts:
        cmd += ['--cfg-options'] + opts
    return cmd


def best_checkpoint(row, seed=0):
    wd = osp.join(C.ROOT, work_dir(row, seed))
    best = sorted(glob.glob(osp.join(wd, 'best_*.pth')), key=osp.getmtime)
    if best:
        return osp.relpath(best[-1], C.ROOT)
    last = osp.join(wd, 'last_checkpoint')
    if osp.isfile(last):  # no validation happened: the last checkpoint
        with open(last) as f:
            return osp.relpath(f.read().strip(), C.ROOT)
    return None


def test_cmd(row, ckpt, seed=0):
    # The same cfg-options, so the model is built as it was trained.
    cmd = [PY, 'tools/test.py', CONFIG, ckpt or '<best checkpoint>',
           '--work-dir', work_dir(row, seed)]
    opts = ROWS[row][1]
    if opts:
        cmd += ['--cfg-options'] + opts
    return cmd


def semantic_cmd(row, seed=0):
    # Semantic change accuracy (scene truth of the synthetic test pairs) of
    # the predictions tools/test.py wrote; BLEU only, to keep it cheap.
    wd = work_dir(row, seed)
    return ['.venv/bin/onediff', 'eval', '--preds', f'{wd}/predictions.json',
            '--refs', 'data/synthdiff/manifest.jsonl', '--split', 'test',
            '--semantic', '--metrics', 'BLEU', '--no-per-type', '--out',
            f'{wd}/semantic_scores.json']


def show(cmd):
    return ' '.join(shlex.quote(c) for c in cmd)


def run_rows(rows, seeds, dry_run, resume=False):
    """Exit status 1 when any run failed (its later seeds are skipped)."""
    failed = False
    for row in rows:
        for seed in seeds:
            if not run_row(row, seed, dry_run, resume):
                failed = True
                break
    return 1 if failed else 0


def run_row(row, seed, dry_run, resume):
    """Train, test and score one row with one seed; False on a failure."""
    for step in ('train', 'test', 'semantic'):
        if step == 'train':
            cmd = train_cmd(row, seed, resume)
        elif step == 'semantic':
            cmd = semantic_cmd(row, seed)
        else:
            ckpt = best_checkpoint(row, seed)
            if ckpt is None and not dry_run:
                print(f'{row}: no checkpoint in {work_dir(row, seed)}; '
                      'skip test', flush=True)
                return False
            cmd = test_cmd(row, ckpt, seed)
        print(f'[{time.strftime("%H:%M:%S")}] {row} seed {seed} {step}: '
              f'{show(cmd)}', flush=True)
        if dry_run:
            continue
        rc = subprocess.call(cmd, cwd=C.ROOT)
        if rc:
            print(f'{row}: {step} failed with exit {rc}', flush=True)
            return False
    return dry_run or record_run(row, seed, C.machine())


def check_rows(rows):
    """Build each row's config (and the model parts it changes) without
    training, parsing the options as tools/train.py's DictAction does."""
    from mmengine.config import DictAction
    import argparse as ap
    parser = ap.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    os.chdir(C.ROOT)
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from mmengine.registry import DefaultScope
    from onediff_kit.registry import LOOPS, MODELS
    DefaultScope.get_instance('ablation-check', scope_name='onediff_kit')
    from mmengine.logging import MMLogger
    MMLogger.get_instance('ablation-check', log_level='WARNING')
    ok = True
    for row in rows:
        opts = ROWS[row][1]
        args = parser.parse_args(['--cfg-options'] + opts if opts else [])
        cfg = C.load_cfg(args.cfg_options)
        try:
            if any(o.startswith('model.encoder') for o in opts) or \
                    any(o.startswith('model.delta') for o in opts) or \
                    row in WITH_HEAD:
                model = MODELS.build(cfg.model)
                model.init_weights()
                trainable = sum(p.numel() for p in model.parameters()
                                if p.requires_grad)
                what = (f'model built ({type(model.delta).__name__}, '
                        f'{trainable:,} trainable)')
            else:
                what = 'config merged'
            stages = [(s['name'], s['iters'],
                       'coupled' if s.get('dataloader') else 'main')
                      for s in cfg.train_cfg.stages]
            print(f'OK   {row}: {what}; delta={dict(cfg.model.delta)}; '
                  f'encoder pretrained={cfg.model.encoder.pretrained} '
                  f'frozen_stages={cfg.model.encoder.frozen_stages}; '
                  f'stages={stages}', flush=True)
        except Exception as exc:  # report every row
            ok = False
            print(f'FAIL {row}: {type(exc).__name__}: {exc}', flush=True)
    return 0 if ok else 1




def budget():
    """'150 + 750 = 900': the default config's stage iterations."""
    from mmengine.config import Config
    stages = Config.fromfile(osp.join(C.ROOT, CONFIG)).train_cfg.stages
    iters = [int(s['iters']) for s in stages]
    return ' + '.join(map(str, iters)) + f' = {sum(iters)}'


def record_run(row, seed, machine=None):
    """Copy one run's scores from its work dir into its record in
    bench/records/ablation/ (False when the work dir has no scores).
    ``machine``: the machine that trained it, when known (``--run``)."""
    ckpt = best_checkpoint(row, seed)
    commands = [show(train_cmd(row, seed)), show(test_cmd(row, ckpt, seed)),
                show(semantic_cmd(row, seed))]
    path = R.save_run(row, seed, osp.join(C.ROOT, work_dir(row, seed)),
                      commands, ckpt, machine)
    if path is None:
        print(f'{row} seed {seed}: no scores.json in {work_dir(row, seed)}; '
              'nothing recorded', flush=True)
        return False
    print(f'{row} seed {seed}: recorded {osp.relpath(path, C.ROOT)}',
          flush=True)
    return True


def row_runs(row, seeds):
    """(label of the seeds, [columns per run], [CIDEr per run], notes) of
    one row: its run records for ``seeds``, else its summary record."""
    runs = {seed: R.load_run(row, seed) for seed in seeds}
    runs = {seed: rec for seed, rec in runs.items() if rec}
    if runs:
        notes = [(rec.get('source') or _machine_note(rec),
                  f'{row} seed {seed}') for seed, rec in runs.items()]
        cols = [rec['columns'] for rec in runs.values()]
        return (','.join(map(str, runs)), cols,
                [c.get('CIDEr') for c in cols], notes)
    summary = R.load_summary(row)
    if summary:
        seeds_label = ','.join(map(str, summary['seeds'])) + ' (summary)'
        return (seeds_label, [summary['columns']],
                list(summary['cider_runs']),
                [(summary['source'], row)])
    return None, [], [], []


def _machine_note(record):
    machine = record.get('machine')
    return (f'trained by `--run` on {machine}' if machine else
            f'recorded on {record["recorded"][:10]}, machine not recorded')


POINTING = ('pointing hit_rate', 'pointing mass_in_box')


def delta_type(row):
    """The delta module class name a row trains (the default's unless the
    row swaps it)."""
    for opt in ROWS[row][1]:
        if opt.startswith('model.delta.type='):
            return opt.split('=', 1)[1]
    from mmengine.config import Config
    return Config.fromfile(osp.join(C.ROOT, CONFIG)).model.delta.type


def exposes_attention(name):
    """Whether a delta module returns attention (declares
    ``BaseDelta.exposes_attention``), so the pointing game applies."""
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from onediff_kit.registry import MODELS
    cls = MODELS.get(name)
    return cls is not None and cls.exposes_attention


def table(rows, seeds):
    """One line per row: the median over the runs recorded for it."""
    per_row = {row: row_runs(row, seeds) for row in rows}
    columns = []
    for _, cols, _, _ in per_row.values():
        for run in cols:
            for col in run:
                if col not in columns:
                    columns.append(col)
    columns += [c for c in POINTING if c not in columns]
    header = ['row', 'seeds'] + columns + ['CIDEr min-max', 'command']
    lines, notes = [], []
    for row in rows:
        label, cols, cider, row_notes = per_row[row]
        notes += row_notes
        ckpt = best_checkpoint(row, seeds[0]) or (
            R.load_run(row, seeds[0]) or R.load_summary(row) or {}).get(
                'checkpoint')
        cmd = (f'`{show(train_cmd(row, seeds[0]))}` then '
               f'`{show(test_cmd(row, ckpt, seeds[0]))}`')
        if not cols:
            lines.append([row, 'not run'] + [''] * (len(header) - 3) + [cmd])
            continue
        cells = [row, label]
        delta = delta_type(row)
        for col in columns:
            vals = [run[col] for run in cols if run.get(col) is not None]
            if col in POINTING and not exposes_attention(delta):
                cells.append(f'none ({delta} exposes no attention)')
            else:
                cells.append(f'{C.median(vals):.4f}' if vals else '-')
        cider = [c for c in cider if c is not None]
        cells.append(f'{min(cider):.3f}-{max(cider):.3f}'
                     if len(cider) > 1 else '-')
        lines.append(cells + [cmd])
    text = ('Equal budget (%s iterations), default data, test split, '
            'best-validation-CIDEr checkpoint; each cell is the median over '
            'the seeds listed in its row (seeds asked for: %s; seed 0 '
            'trains in `work_dirs/ablation/<row>`, seed N in '
            '`<row>-seedN`). Scores from `scores.json` (written by '
            '`tools/test.py`, which also takes the row\'s cfg-options) and '
            'semantic change accuracies from `semantic_scores.json` '
            '(`onediff eval --semantic` on the test predictions), read from '
            'the run records in `bench/records/ablation/` that `--run` '
            '(or `--record`) writes. The command is the seed-%d one; '
            '`--seed N` and `--work-dir work_dirs/ablation/<row>-seedN` for '
            'the others. The pointing columns are the pointing game on the '
            'delta attention (`pointing_scores.json`, PointingGameMetric: '
            'share of changed-object boxes that hold the attention\'s peak, '
            'and the share of attention inside the box; '
            'docs/evaluation.md); `-` where the run predates it, `none` '
            'where the delta module exposes no attention.\n\n'
            % (budget(), ', '.join(map(str, seeds)), seeds[0]))
    text += C.md_table(header, lines)
    if notes:
        by_source = {}
        for source, what in notes:
            by_source.setdefault(source, []).append(what)
        text += ('\n\nWhere the records come from:\n\n' + '\n'.join(
            f'- {", ".join(whats)}: {source}'
            for source, whats in by_source.items()))
    text += '\n\nRows: ' + '; '.join(f'**{r}**: {ROWS[r][0]}' for r in rows)
    return text


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--list', action='store_true')
    g.add_argument('--run', nargs='+', metavar='ROW')
    g.add_argument('--table', action='store_true')
    g.add_argument('--check', nargs='*', metavar='ROW')
    g.add_argument('--record', action='store_true',
                   help='record the scores of --rows x --seeds from their '
                   'work dirs (runs made without --run)')
    p.add_argument('--seeds', nargs='+', type=int, default=[0],
                   help='--run: train each row once per seed; --table: '
                   'the median over the seeds that have scores')
    p.add_argument('--resume', action='store_true',
                   help='--run: continue an interrupted row from the last '
                   'checkpoint in its work dir')
    p.add_argument('--dry-run', action='store_true')
    p.add_argument('--rows', nargs='+', default=list(ROWS))
    args = p.parse_args()
    if args.list:
        for row, (desc, _) in ROWS.items():
            print(f'{row}: {desc}\n    '
                  f'{show(train_cmd(row, args.seeds[0]))}')
        return 0
    if args.run:
        rows = list(ROWS) if args.run == ['all'] else args.run
        unknown = [r for r in rows if r not in ROWS]
        if unknown:
            p.error(f'unknown rows {unknown}; known: {list(ROWS)}')
        return run_rows(rows, args.seeds, args.dry_run, args.resume)
    if args.check is not None:
        return check_rows(args.check or list(ROWS))
    if args.record:
        done = [record_run(row, seed) for row in args.rows
                for seed in args.seeds]
        return 0 if any(done) else 1
    text = table(args.rows, args.seeds)
    C.write_result('ablation', text, C.command_line())
    return 0


if __name__ == '__main__':
    sys.exit(main())

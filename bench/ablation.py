"""The quality ablation of OneDiff at an equal training budget on the
default data (data/synthdiff): one row per config file in
``configs/onediff/ablation/`` (the row is the file's stem; each inherits the
900-iteration recipe, the row ``default`` the default config, and states
its changes; README.md there explains them). A row is ONE
``tools/train.py`` run of its config (same schedule: the recipe's stage 1 +
stage 2 iterations, same seed), then ``tools/test.py``
on the best checkpoint (best validation CIDEr), which writes ``scores.json``
into the row's work dir (``work_dirs/ablation/<row>``). ``--run`` then
copies the scores into the run's record, ``bench/records/ablation/<row>-
seed<N>.json`` (see ablation_records.py), which is committed: ``--table``
reads the records, not the work dirs, so runs made on different days add up.

    .venv/bin/python -m bench.ablation --list
    .venv/bin/python -m bench.ablation --run vdm subtract ...   # sequential
    .venv/bin/python -m bench.ablation --run all [--dry-run]
    .venv/bin/python -m bench.ablation --record --rows ROW --seeds N
    .venv/bin/python -m bench.ablation --table   # -> bench/results/ablation.md
    .venv/bin/python -m bench.ablation --check   # build each row's model

A row's description is the comment at the top of its config file. A new
row is a new file there: nothing to add here.

Seeds: ``--seeds 0 1 2`` trains each row once per seed (seed 0 in
``work_dirs/ablation/<row>``, seed N in ``<row>-seedN``); ``--table
--seeds 0 1 2`` reports the median over the seeds that have records, and
which seeds those are. ``--resume`` continues an interrupted run from the
last checkpoint in its work dir.
"""
import argparse
import glob
import os
import os.path as osp
import shlex
import subprocess
import sys
import time

from bench import _common as C
from bench import ablation_records as R

ROW_DIR = 'configs/onediff/ablation'
WORK = 'work_dirs/ablation'
PY = '.venv/bin/python'


def row_config(row):
    """The config file of ``row``, relative to the repository root."""
    return f'{ROW_DIR}/{row}.py'


def row_description(path):
    """The comment lines at the top of a row's config file, as one line."""
    lines = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.startswith('#'):
                break
            lines.append(line.lstrip('#').strip())
    text = ' '.join(line for line in lines if line)
    if not text:
        raise SystemExit(f'error: {path}: a row config starts with a '
                         'comment saying what the row changes')
    return text


def find_rows():
    """{row: description} of the config files in ROW_DIR, by name."""
    paths = sorted(glob.glob(osp.join(C.ROOT, ROW_DIR, '*.py')))
    return {osp.splitext(osp.basename(p))[0]: row_description(p)
            for p in paths}


ROWS = find_rows()


def work_dir(row, seed=0):
    # Seed 0 keeps the plain name, so earlier runs are still found.
    return f'{WORK}/{row}' if seed == 0 else f'{WORK}/{row}-seed{seed}'


def train_cmd(row, seed=0, resume=False):
    cmd = [PY, 'tools/train.py', row_config(row), '--work-dir',
           work_dir(row, seed), '--seed', str(seed)]
    if resume:  # from the work dir's last checkpoint, if any
        cmd.append('--resume')
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
    # The row's config, so the model is built as it was trained.
    return [PY, 'tools/test.py', row_config(row), ckpt or '<best checkpoint>',
            '--work-dir', work_dir(row, seed)]


def semantic_cmd(row, seed=0):
    # Semantic change accuracy (scene truth of the synthetic test pairs) of
    # the predictions tools/test.py wrote; BLEU only, to keep it cheap.
    from mmengine.config import Config
    wd = work_dir(row, seed)
    test_data = Config.fromfile(row_config(row)).test_dataloader.dataset
    refs = osp.join(test_data.data_root, test_data.ann_file)
    return ['.venv/bin/onediff', 'eval', '--preds', f'{wd}/predictions.json',
            '--refs', refs, '--split', 'test',
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


def load_row(row):
    """The merged config of ``row`` (its file over the default config)."""
    from mmengine.config import Config
    return Config.fromfile(osp.join(C.ROOT, row_config(row)))


def check_rows(rows):
    """Load each row's config and build its model where the row changes
    the model (delta module, encoder or head), without training."""
    os.chdir(C.ROOT)
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    from onediff_kit.registry import MODELS
    DefaultScope.get_instance('ablation-check', scope_name='onediff_kit')
    MMLogger.get_instance('ablation-check', log_level='WARNING')
    default_model = C.load_cfg().model.to_dict()
    ok = True
    for row in rows:
        try:
            cfg = load_row(row)
            if cfg.model.to_dict() != default_model or row == 'default':
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
    """'150 + 750 = 900': the stage iterations of the 900-iteration recipe
    that the rows inherit."""
    from mmengine.config import Config
    stages = Config.fromfile(C.RECIPE_900IT).train_cfg.stages
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
                      commands, ckpt, machine, row_config(row))
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
    """The delta module class name a row trains."""
    return load_row(row).model.delta.type


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
    text = ('Equal budget (%s iterations: the 900-iteration recipe, which '
            'every row inherits unless its description says otherwise), '
            'default data, test split, '
            'best-validation-CIDEr checkpoint; each cell is the median over '
            'the seeds listed in its row (seeds asked for: %s; seed 0 '
            'trains in `work_dirs/ablation/<row>`, seed N in '
            '`<row>-seedN`). Scores from `scores.json` (written by '
            '`tools/test.py` with the row\'s config) and '
            'semantic change accuracies from `semantic_scores.json` '
            '(`onediff eval --semantic` on the test predictions), read from '
            'the run records in `bench/records/ablation/` that `--run` '
            '(or `--record`) writes. The command is the seed-%d one; '
            '`--seed N` and `--work-dir work_dirs/ablation/<row>-seedN` for '
            'the others. The pointing columns are the pointing game on the '
            'delta attention (`pointing_scores.json`, PointingGameMetric: '
            'share of changed-object boxes that hold the attention\'s peak, '
            'and the share of attention inside the box; '
            'docs/evaluation.md); `-` where the run\'s record has none, `none` '
            'where the delta module exposes no attention. Scores are raw '
            '(x1); the IDC papers print them x100 (CIDEr 2.44 = 244 there; '
            'accuracies x100 are per cent).\n\n'
            % (budget(), ', '.join(map(str, seeds)), seeds[0]))
    text += C.md_table(header, lines)
    if notes:
        by_source = {}
        for source, what in notes:
            by_source.setdefault(source, []).append(what)
        text += ('\n\nWhere the records come from:\n\n' + '\n'.join(
            f'- {", ".join(whats)}: {source}'
            for source, whats in by_source.items()))
    text += '\n\nRows (configs/onediff/ablation/<row>.py): ' + '; '.join(
        f'**{r}**: {ROWS[r]}' for r in rows)
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
        for row, desc in ROWS.items():
            print(f'{row}: {desc}\n    '
                  f'{show(train_cmd(row, args.seeds[0]))}')
        return 0
    rows = args.run or args.check or args.rows
    rows = list(ROWS) if rows == ['all'] else rows
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        p.error(f'unknown rows {unknown} (no {ROW_DIR}/<row>.py); known: '
                f'{list(ROWS)}')
    if args.run:
        return run_rows(rows, args.seeds, args.dry_run, args.resume)
    if args.check is not None:
        return check_rows(rows)
    if args.record:
        done = [record_run(row, seed) for row in rows for seed in args.seeds]
        return 0 if any(done) else 1
    text = table(rows, args.seeds)
    C.write_result('ablation', text, C.command_line())
    return 0


if __name__ == '__main__':
    sys.exit(main())

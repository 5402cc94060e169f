"""The ablation's results, kept in the repository: one small JSON record per
training run in ``bench/records/ablation/`` (``<row>-seed<N>.json``), so a
table of many runs made over several days (and sessions whose ``work_dirs``
did not survive) can be rebuilt without retraining.

A run record holds the columns the table shows (overall metrics, CIDEr per
change type, semantic accuracies, the pointing game's hit rate and mass in
the box), the row's config file (``config``: configs/onediff/ablation/
<row>.py; records made before the rows were config files say the same
config, and their ``commands`` keep the equivalent ``--cfg-options`` that
were run), the commands that produced it, the
checkpoint tested, the git commit, the machine that trained it (CPU,
cores, memory, torch and its threads, as ``_common.machine()`` prints
them; known when ``--run`` wrote the record, None from ``--record``) and
the time it was recorded.

A summary record (``<row>-summary.json``) stands for a row whose per-seed
records were lost: it holds the per-column medians over ``seeds`` and the
CIDEr of each run (``cider_runs``, for the range), as they were published,
with ``source`` saying where they come from. It is used only while the row
has no run record. A run record rebuilt from a published table says so in
its ``source``.
"""
import json
import os
import os.path as osp
import subprocess
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RECORDS = osp.join(ROOT, 'bench', 'records', 'ablation')


def run_path(row, seed):
    return osp.join(RECORDS, f'{row}-seed{seed}.json')


def summary_path(row):
    return osp.join(RECORDS, f'{row}-summary.json')


def _get(scores, *names):
    for n in names:
        if n in scores:
            return scores[n]
    return None


def _read_json(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise SystemExit(f'error: cannot read {path}: {exc}') from exc


def columns_from_work_dir(work_dir):
    """{column: value} of one run from the ``scores.json`` (and
    ``semantic_scores.json``, when present) in its work dir; None when the
    run has no scores.json."""
    path = osp.join(work_dir, 'scores.json')
    if not osp.isfile(path):
        return None
    payload = _read_json(path)
    s = payload.get('scores', {})
    out = {}
    for col, names in (('BLEU-4', ('BLEU-4', 'Bleu_4')),
                       ('METEOR', ('METEOR', )),
                       ('ROUGE-L', ('ROUGE_L', 'ROUGE-L')),
                       ('CIDEr', ('CIDEr', 'CIDEr-D'))):
        out[col] = _get(s, *names)
    for t, scores in payload.get('per_type', {}).items():
        out[f'CIDEr {t}'] = _get(scores, 'CIDEr', 'CIDEr-D')
    point_path = osp.join(work_dir, 'pointing_scores.json')
    if osp.isfile(point_path):  # PointingGameMetric, via tools/test.py
        point = _read_json(point_path).get('scores', {})
        for k in ('hit_rate', 'mass_in_box'):
            if isinstance(point.get(k), (int, float)):
                out[f'pointing {k}'] = point[k]
    sem_path = osp.join(work_dir, 'semantic_scores.json')
    if osp.isfile(sem_path):
        sem = (_read_json(sem_path).get('semantic') or {}).get('scores', {})
        for k, v in sem.items():
            if isinstance(v, (int, float)):
                out[f'semantic {k}'] = v
    return out


def _git_commit():
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT,
                              capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def save_run(row, seed, work_dir, commands, checkpoint, machine, config):
    """Record the scores in ``work_dir`` of a run of ``config``; returns the
    record's path, or None when the work dir has no scores.json."""
    columns = columns_from_work_dir(work_dir)
    if columns is None:
        return None
    record = dict(row=row, seed=seed, config=config, columns=columns,
                  commands=commands,
                  checkpoint=checkpoint, work_dir=osp.relpath(work_dir, ROOT),
                  git_commit=_git_commit(), machine=machine,
                  recorded=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    os.makedirs(RECORDS, exist_ok=True)
    path = run_path(row, seed)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=1)
        f.write('\n')
    return path


def load_run(row, seed):
    """The run record of ``row`` with ``seed``, or None."""
    path = run_path(row, seed)
    if not osp.isfile(path):
        return None
    record = _read_json(path)
    if not isinstance(record.get('columns'), dict):
        raise SystemExit(f'error: {path}: no "columns" mapping')
    return record


def load_summary(row):
    """The summary record of ``row``, or None."""
    path = summary_path(row)
    if not osp.isfile(path):
        return None
    record = _read_json(path)
    for key in ('columns', 'seeds', 'cider_runs', 'source'):
        if key not in record:
            raise SystemExit(f'error: {path}: missing key "{key}"')
    return record

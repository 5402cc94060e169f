"""Writing an evaluation's predictions, scores and a readable table.

Scores are stored raw (BLEU 0-1, CIDEr-D 0-10). Image difference captioning
papers, like image captioning ones, print them x100 (CIDEr 2.49 is 249):
the tables take a ``scale`` for that; the JSON files never do.
"""
import json
import os
import os.path as osp
from collections import OrderedDict

#: the scale IDC papers report BLEU, METEOR, ROUGE-L, CIDEr and SPICE in
PAPER_SCALE = 100
SCALES = (1, PAPER_SCALE)


def check_scale(scale):
    """``scale`` if it is 1 (raw) or 100 (the papers'), else ValueError."""
    if scale not in SCALES:
        raise ValueError(f'scale must be 1 (raw scores) or {PAPER_SCALE} '
                         f'(the scale of IDC papers), got {scale!r}')
    return scale


def default_digits(scale):
    """Decimals shown: 4 for raw scores, 2 at the papers' scale."""
    return 4 if scale == 1 else 2


def scale_note(scale):
    """The line that says a table is not in raw units ('' for raw)."""
    if scale == 1:
        return ''
    return (f'scores x{scale} (the scale of IDC papers: CIDEr 2.49 is shown '
            f'as 249); the JSON files keep the raw values')


def split_metric_keys(metrics, prefix='caption'):
    """Split an evaluator's flat dict into overall and per-type scores.

    Args:
        metrics (dict[str, float]): e.g. ``runner.test()``'s result, with
            keys ``caption/CIDEr`` and ``caption/<type>/CIDEr``.
        prefix (str): the metric's prefix. Defaults to ``'caption'``.

    Returns:
        tuple[OrderedDict, OrderedDict]: name -> score, and
        type -> name -> score.
    """
    overall, per_type = OrderedDict(), OrderedDict()
    head = f'{prefix}/' if prefix else ''
    for key, value in metrics.items():
        if not key.startswith(head):
            continue
        parts = key[len(head):].split('/')
        if len(parts) == 1:
            overall[parts[0]] = value
        else:
            per_type.setdefault('/'.join(parts[:-1]),
                                OrderedDict())[parts[-1]] = value
    return overall, per_type


def format_table(scores, per_type=None, digits=None, n=None, scale=1):
    """A markdown table: one row for all pairs, one per change type.

    Args:
        scores (dict[str, float]): metric name -> raw score over all pairs.
        per_type (dict[str, dict], optional): type -> {``n``, metric ->
            score}.
        digits (int, optional): decimals shown. Defaults to 4 for raw
            scores and 2 at ``scale=100``.
        n (int, optional): number of pairs, shown in the ``all`` row.
        scale (int): 1 shows the raw scores, 100 the scores x100 as IDC
            papers print them (pair counts are never scaled). Defaults to 1.

    Returns:
        str: the table, lines joined by ``\\n``.
    """
    check_scale(scale)
    digits = default_digits(scale) if digits is None else digits

    def cell(value):
        return f'{value * scale:.{digits}f}'

    names = list(scores)
    rows = [['all', '' if n is None else str(n)] +
            [cell(scores[name]) for name in names]]
    for group, values in (per_type or {}).items():
        rows.append([group, str(values.get('n', ''))] + [
            cell(values[name]) if name in values else '-' for name in names
        ])
    header = ['pairs', 'n'] + names
    widths = [
        max(len(str(r[i])) for r in rows + [header])
        for i in range(len(header))
    ]

    def line(cells):
        return '| ' + ' | '.join(
            str(c).ljust(w) for c, w in zip(cells, widths)) + ' |'

    out = [line(header), '|' + '|'.join('-' * (w + 2) for w in widths) + '|']
    return '\n'.join(out + [line(r) for r in rows])


def format_metric_tables(metrics, scale=1, digits=None):
    """One titled table per metric prefix (``caption``, ``semantic``,
    ``pointing``) of an evaluator's flat result, e.g. ``runner.test()``'s.

    Args:
        metrics (dict[str, float]): keys ``prefix/name`` and
            ``prefix/group/name``.
        scale (int): 1 or 100, see :func:`format_table`. Defaults to 1.
        digits (int, optional): decimals, see :func:`format_table`.

    Returns:
        str: the tables, with :func:`scale_note` first when scaled.
    """
    prefixes = []
    for key in metrics:
        prefix = key.split('/')[0] if '/' in key else ''
        if prefix not in prefixes:
            prefixes.append(prefix)
    parts = [scale_note(scale)] if scale != 1 else []
    for prefix in prefixes:
        overall, per_type = split_metric_keys(metrics, prefix)
        if not overall:
            continue
        table = format_table(overall, per_type, digits, scale=scale)
        parts.append(f'{prefix or "scores"}:\n{table}')
    return '\n\n'.join(parts)


def write_predictions(path, predictions):
    """Write predictions in COCO results format (UTF-8 JSON).

    Args:
        path (str): the file; its directory is created if needed.
        predictions (list[dict]): ``[{"image_id": pair_id, "caption": str}]``.

    Returns:
        str: the path.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump([
            dict(image_id=p['image_id'], caption=p['caption'])
            for p in predictions
        ],
                  f,
                  ensure_ascii=False,
                  indent=1)
    return path


def write_report(work_dir,
                 predictions,
                 scores,
                 protocol,
                 per_type=None,
                 counts=None,
                 warnings=None,
                 file_prefix=''):
    """Write ``predictions.json``, ``scores.json`` (raw scores) and
    ``scores.md`` (the raw table, then the same x100 as papers print it).

    Args:
        work_dir (str): directory to write into (created if needed).
        predictions (list[dict]): COCO results format,
            ``[{"image_id": pair_id, "caption": str}]``.
        scores (dict[str, float]): metric name -> score over all pairs
            (names without the ``caption/`` prefix; see
            :func:`split_metric_keys`).
        protocol (str): how the scores were computed.
        per_type (dict[str, dict], optional): type -> {``n``, metric ->
            score}.
        counts (dict[str, int], optional): e.g. pairs, empty predictions.
        warnings (list[str], optional): problems met while scoring.
        file_prefix (str): prefix of the three file names.

    Returns:
        dict[str, str]: ``predictions``, ``scores``, ``table`` -> path.
    """
    os.makedirs(work_dir, exist_ok=True)
    paths = dict(
        predictions=osp.join(work_dir, f'{file_prefix}predictions.json'),
        scores=osp.join(work_dir, f'{file_prefix}scores.json'),
        table=osp.join(work_dir, f'{file_prefix}scores.md'))
    write_predictions(paths['predictions'], predictions)
    payload = OrderedDict(
        protocol=protocol,
        scores=dict(scores),
        per_type=dict(per_type or {}),
        counts=dict(counts or {}),
        warnings=list(warnings or []))
    with open(paths['scores'], 'w', encoding='utf-8') as f:
        json.dump(payload, f, ensure_ascii=False, indent=2)
    with open(paths['table'], 'w', encoding='utf-8') as f:
        f.write('# Caption scores\n\n')
        n = (counts or {}).get('pairs')
        f.write(format_table(scores, per_type, n=n) + '\n\n')
        f.write(f'The same, {scale_note(PAPER_SCALE)}:\n\n')
        f.write(format_table(scores, per_type, n=n, scale=PAPER_SCALE) +
                '\n\n')
        f.write(f'Protocol: {protocol}\n')
        if warnings:
            f.write('\nWarnings:\n\n' + ''.join(f'- {w}\n' for w in warnings))
    return paths

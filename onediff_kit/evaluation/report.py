"""Writing an evaluation's predictions, scores and a readable table."""
import json
import os
import os.path as osp
from collections import OrderedDict


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


def format_table(scores, per_type=None, digits=4, n=None):
    """A markdown table: one row for all pairs, one per change type.

    Args:
        scores (dict[str, float]): metric name -> score over all pairs.
        per_type (dict[str, dict], optional): type -> {``n``, metric ->
            score}.
        digits (int): decimals shown. Defaults to 4.
        n (int, optional): number of pairs, shown in the ``all`` row.

    Returns:
        str: the table, lines joined by ``\\n``.
    """
    names = list(scores)
    rows = [['all', '' if n is None else str(n)] +
            [f'{scores[name]:.{digits}f}' for name in names]]
    for group, values in (per_type or {}).items():
        rows.append([group, str(values.get('n', ''))] + [
            f'{values[name]:.{digits}f}' if name in values else '-'
            for name in names
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
    """Write ``predictions.json``, ``scores.json`` and ``scores.md``.

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
        table = format_table(scores, per_type, n=(counts or {}).get('pairs'))
        f.write(table + '\n\n')
        f.write(f'Protocol: {protocol}\n')
        if warnings:
            f.write('\nWarnings:\n\n' + ''.join(f'- {w}\n' for w in warnings))
    return paths

"""Reading prediction files and references, and pairing them up.

Predictions are in COCO results format, ``[{"image_id", "caption"}]``.
References are either a pair manifest (JSONL, see docs/data_format.md) or a
COCO-format caption ground truth (``{"annotations": [{"image_id",
"caption"}], ...}``, captions of one image_id merged into its references).
Ids are compared as strings, so ``103`` and ``"103"`` are the same pair.
"""
import json
from collections import OrderedDict
from pathlib import Path

# How many offending ids an error names.
SHOW = 5


class EvaluationInputError(ValueError):
    """A prediction or reference file that cannot be scored as it is."""


def _ids(ids):
    ids = list(ids)
    more = f' and {len(ids) - SHOW} more' if len(ids) > SHOW else ''
    return ', '.join(repr(i) for i in ids[:SHOW]) + more


def _read_json(path, what):
    path = Path(path)
    if not path.is_file():
        raise EvaluationInputError(f'{what} file not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except UnicodeDecodeError as exc:
        raise EvaluationInputError(
            f'{path}: not UTF-8 text ({exc.reason} at byte {exc.start})'
        ) from None
    except json.JSONDecodeError as exc:
        raise EvaluationInputError(
            f'{path}: bad JSON at line {exc.lineno} column {exc.colno}: '
            f'{exc.msg}') from None


def load_predictions(path):
    """Read a COCO results file.

    Args:
        path (str | Path): JSON list of ``{"image_id", "caption"}`` (other
            keys are ignored).

    Returns:
        OrderedDict[str, str]: pair id -> predicted caption, in file order.

    Raises:
        EvaluationInputError: naming the file, record and key at fault;
            also for duplicate ids (all named, up to a few).
    """
    data = _read_json(path, 'prediction')
    if not isinstance(data, list):
        raise EvaluationInputError(
            f'{path}: expected a JSON list of {{"image_id", "caption"}} '
            f'(COCO results format), got a {type(data).__name__}')
    preds, dups = OrderedDict(), []
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise EvaluationInputError(
                f'{path}: record {i} is a {type(rec).__name__}, expected an '
                'object with "image_id" and "caption"')
        for key in ('image_id', 'caption'):
            if key not in rec:
                raise EvaluationInputError(
                    f'{path}: record {i} has no "{key}" (keys: '
                    f'{sorted(rec)})')
        if not isinstance(rec['caption'], str):
            raise EvaluationInputError(
                f'{path}: record {i} (image_id {rec["image_id"]!r}): '
                f'"caption" must be a string, got {rec["caption"]!r}')
        pid = str(rec['image_id'])
        if pid in preds:
            dups.append(pid)
        preds[pid] = rec['caption']
    if dups:
        dups = list(OrderedDict.fromkeys(dups))
        raise EvaluationInputError(
            f'{path}: {len(dups)} image_ids have more than one prediction: '
            f'{_ids(dups)}; keep one caption per image_id')
    return preds


def _coco_references(path, data):
    anns = data.get('annotations')
    if not isinstance(anns, list):
        raise EvaluationInputError(
            f'{path}: "annotations" must be a list of {{"image_id", '
            '"caption"}}')
    refs = OrderedDict()
    for i, ann in enumerate(anns):
        if not isinstance(ann, dict):
            raise EvaluationInputError(
                f'{path}: annotations[{i}] is not an object')
        for key in ('image_id', 'caption'):
            if key not in ann:
                raise EvaluationInputError(
                    f'{path}: annotations[{i}] has no "{key}"')
        if not isinstance(ann['caption'], str):
            raise EvaluationInputError(
                f'{path}: annotations[{i}] (image_id {ann["image_id"]!r}): '
                f'"caption" must be a string, got {ann["caption"]!r}')
        pid = str(ann['image_id'])
        if pid not in refs:
            refs[pid] = dict(pair_id=pid, captions=[], split=None)
        refs[pid]['captions'].append(ann['caption'])
    return refs


def load_references(path):
    """Read references from a pair manifest or a COCO caption ground truth.

    Args:
        path (str | Path): ``*.jsonl`` manifest (one pair a line) or COCO
            JSON with ``"annotations"``.

    Returns:
        OrderedDict[str, dict]: pair id -> ``{pair_id, captions, split,
        change_type?, task?, meta?}``.

    Raises:
        EvaluationInputError / ManifestError: naming file, line and key.
    """
    path = Path(path)
    if not path.is_file():
        raise EvaluationInputError(f'reference file not found: {path}')
    with open(path, 'rb') as f:
        head = f.read(4096).lstrip()
    if path.suffix == '.jsonl' or (head.startswith(b'{')
                                   and b'\n{' in head.strip()):
        from onediff_kit.data.manifest import load_manifest
        refs = OrderedDict()
        for rec in load_manifest(path):
            refs[str(rec['pair_id'])] = {
                k: v
                for k, v in rec.items() if not k.startswith('_')
            }
        return refs
    data = _read_json(path, 'reference')
    if isinstance(data, dict) and 'annotations' in data:
        return _coco_references(path, data)
    raise EvaluationInputError(
        f'{path}: not a reference file this tool reads: expected a pair '
        'manifest (.jsonl, one {"pair_id", "captions", "split", ...} a line) '
        'or a COCO caption ground truth ({"annotations": [{"image_id", '
        '"caption"}]})')


def match_predictions(predictions, references, split=None,
                      allow_missing=False):
    """Pair predictions with references; the samples CaptionMetric takes.

    Args:
        predictions (dict[str, str]): pair id -> caption.
        references (dict[str, dict]): from :func:`load_references`.
        split (str, optional): score only references of this split (a
            reference without a split, as in COCO files, always counts).
        allow_missing (bool): score only the predicted references instead of
            failing when some references have no prediction.

    Returns:
        tuple[list[dict], list[str]]: samples (``pair_id``,
        ``pred_caption``, ``captions``, ``change_type``, ``task``, ``meta``) in
        reference order, and warnings.

    Raises:
        EvaluationInputError: for predicted ids that are not references of
            the split, or (unless ``allow_missing``) references without a
            prediction, naming a few ids and the count.
    """
    wanted = OrderedDict(
        (pid, ref) for pid, ref in references.items()
        if split is None or ref.get('split') in (None, split))
    if split is not None and not wanted:
        splits = sorted({str(r.get('split')) for r in references.values()})
        raise EvaluationInputError(
            f'no reference has split {split!r}; splits present: {splits}')
    unknown = [pid for pid in predictions if pid not in wanted]
    if unknown:
        elsewhere = [pid for pid in unknown if pid in references]
        hint = ''
        if elsewhere:
            other = sorted({str(references[p].get('split'))
                            for p in elsewhere})
            hint = (f' ({len(elsewhere)} of them are references of split(s) '
                    f'{other}; check --split)')
        raise EvaluationInputError(
            f'{len(unknown)} of {len(predictions)} predicted ids are not '
            f'among the {len(wanted)} references'
            f'{" of split " + repr(split) if split else ""}: {_ids(unknown)}'
            f'{hint}')
    missing = [pid for pid in wanted if pid not in predictions]
    warnings = []
    if missing:
        msg = (f'{len(missing)} of {len(wanted)} references have no '
               f'prediction: {_ids(missing)}')
        if not allow_missing:
            raise EvaluationInputError(
                msg + '; pass --allow-missing (allow_missing=True) to score '
                'only the predicted pairs')
        warnings.append(msg + '; scoring only the '
                        f'{len(wanted) - len(missing)} predicted pairs')
    samples = [
        dict(
            pair_id=pid,
            pred_caption=predictions[pid],
            captions=list(ref['captions']),
            change_type=ref.get('change_type'),
            task=ref.get('task'),
            meta=ref.get('meta')) for pid, ref in wanted.items()
        if pid in predictions
    ]
    return samples, warnings

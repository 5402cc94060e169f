"""The model card (README.md) of a pretrained folder.

It says what the model is (its parts and size), what data it saw (the
datasets of its config, with record counts per split where the manifests
are at hand), its test scores with their protocol string (from the
``scores.json`` files that ``tools/test.py`` and ``onediff eval`` write),
the commands that trained and tested it, and how to use the folder.
:func:`~onediff_kit.apis.pretrained_folder.save_pretrained` reads and checks
the score files and writes the text :func:`render_card` returns.
"""
import os.path as osp
from collections import Counter

PARTS = ('encoder', 'delta', 'projector', 'decoder', 'delta_head')


def _datasets(node, where):
    """``(where, dataset dict)`` for every dataset config under ``node``."""
    if isinstance(node, dict):
        if 'ann_file' in node or 'manifest' in node:
            yield where, node
            return
        for key in ('dataset', 'datasets'):
            if key in node:
                yield from _datasets(node[key], where)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _datasets(item, where)


def training_datasets(cfg):
    """``(where, dataset dict)`` of the training and test loaders."""
    found = []
    stages = (cfg.get('train_cfg') or {}).get('stages') or []
    for i, stage in enumerate(stages):
        if isinstance(stage, dict) and stage.get('dataloader'):
            found += _datasets(stage['dataloader'],
                               f'train stage {stage.get("name", i)}')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        found += _datasets(cfg.get(key), key.replace('_dataloader', ''))
    return found


def _manifest_path(dataset):
    ann = dataset.get('ann_file') or dataset.get('manifest')
    if not isinstance(ann, str):
        return None
    root = dataset.get('data_root')
    return ann if osp.isabs(ann) or not root else osp.join(root, ann)


def _split_counts(path):
    from onediff_kit.data.jsonl import iter_jsonl
    counts = Counter()
    for _, record in iter_jsonl(path, on_error=lambda *_: None):
        if isinstance(record, dict):
            counts[str(record.get('split', 'all'))] += 1
    return counts


def data_section(cfg):
    """Markdown lines: one row per dataset of the config."""
    rows, counted = [], {}
    for where, dataset in training_datasets(cfg):
        path = _manifest_path(dataset)
        split = dataset.get('split')
        if path and path not in counted:
            counted[path] = (_split_counts(path) if osp.isfile(path) else
                             None)
        counts = counted.get(path)
        if counts is None:
            records = 'manifest not at hand'
        elif split:
            records = str(counts.get(split, 0))
        else:
            records = f'{sum(counts.values())} (all splits)'
        rows.append(f'| {where} | {dataset.get("type", "?")} | '
                    f'`{path or "?"}` | {split or "all"} | {records} |')
    if not rows:
        return ['The config names no dataset.']
    return ['| used for | dataset | manifest | split | records |',
            '|---|---|---|---|---|'] + rows


def _number(value):
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def scores_section(reports):
    """Markdown lines: a table and the protocol of each scores report.

    Args:
        reports (sequence[tuple[str, dict]]): ``(path, report)`` of each
            ``scores.json``; every report has a ``scores`` dict.
    """
    lines = []
    for path, report in reports:
        scores = report['scores']
        names = list(scores)
        lines += [f'From `{osp.basename(path)}`'
                  + (f' ({report["counts"]["pairs"]} pairs)'
                     if isinstance(report.get('counts'), dict) and
                     'pairs' in report['counts'] else '') + ':', '',
                  '| ' + ' | '.join(names) + ' |',
                  '|' + '---|' * len(names),
                  '| ' + ' | '.join(_number(scores[n]) for n in names) + ' |',
                  '', 'Protocol: ' + str(report.get(
                      'protocol', 'not recorded in the file')),
                  '']
    if not lines:
        return ['Not evaluated when this folder was written. Test it with',
                '', '```', 'python tools/test.py config.py CHECKPOINT '
                '--work-dir WORK_DIR', '```', '',
                'and export again with `--scores WORK_DIR/scores.json`.']
    return ['Raw values as the scorers return them (CIDEr-D as '
            'pycocoevalcap gives it; papers print BLEU/METEOR/ROUGE-L/CIDEr '
            'x 100).', ''] + lines


def model_section(cfg, model):
    lines = ['| part | type |', '|---|---|']
    for name in PARTS:
        part = cfg.model.get(name)
        if isinstance(part, dict):
            lines.append(f'| {name} | {part.get("type", "?")} |')
    total = sum(p.numel() for p in model.parameters())
    return lines + ['', f'{total:,} parameters; config: '
                    f'`{osp.basename(str(cfg.filename or "config.py"))}`.']


def default_commands(cfg):
    config = str(cfg.filename or 'CONFIG')
    return dict(train=f'python tools/train.py {config}',
                test=f'python tools/test.py {config} CHECKPOINT')


def render_card(cfg, model, reports=(), commands=None, name=None):
    """The card's markdown text.

    Args:
        cfg (Config): the config that built the model.
        model (nn.Module): the model (its parameters are counted).
        reports (sequence[tuple[str, dict]]): ``(path, report)`` of the
            ``scores.json`` files to show (see :func:`scores_section`).
        commands (dict, optional): ``train`` / ``test`` command lines;
            defaults name tools/train.py and tools/test.py.
        name (str, optional): the title; defaults to the config's name.
    """
    commands = dict(default_commands(cfg), **(commands or {}))
    name = name or osp.splitext(osp.basename(str(cfg.filename or
                                                 'onediff')))[0]
    lines = [
        '---', 'library_name: onediff_kit', 'pipeline_tag: image-to-text',
        'tags:', '- image-difference-captioning', '- onediff', '---', '',
        f'# {name}', '',
        'An image difference captioning model (OneDiff recipe) trained with '
        'onediff_kit: it describes what changed between a before and an '
        'after image.', '', '## Model', ''
    ] + model_section(cfg, model) + ['', '## Training data', ''] + \
        data_section(cfg) + ['', '## Test scores', ''] + \
        scores_section(reports) + ['', '## How it was made', ''] + [
            f'- {what}: `{cmd}`' for what, cmd in commands.items()
    ] + ['', '## Use', '', '```bash',
         'onediff caption --model THIS_FOLDER before.png after.png',
         'onediff serve --model THIS_FOLDER', '```', '', '```python',
         'from onediff_kit.apis import DiffCaptioner',
         "captioner = DiffCaptioner.from_pretrained('THIS_FOLDER')",
         "captioner.caption('before.png', 'after.png')", '```', '',
         '## Files', '',
         '- `config.json`: the config (read when loading; no code runs)',
         '- `config.py`: the same config as mmengine Python text',
         '- `model.safetensors`: the weights (no pickle)',
         '- `tokenizer.json` (or `decoder/`): the caption tokenizer',
         '- `README.md`: this card', '']
    return '\n'.join(lines)


__all__ = ['render_card', 'training_datasets']

"""Linear probes: where is the changed object's identity lost?

For synthetic pairs with scene truth (``meta.changed_object``), fit a
logistic regression (80 % of the pairs, scored on the other 20 %) that
predicts the changed object's colour, material, shape and size from

* ``encoder``: the frozen encoder's features of the before image (after
  image for ``add``) at the object's place, one probe per encoder level
  (the upper bound: what the delta module could read);
* ``delta``: a trained checkpoint's delta tokens (all tokens, flattened),
  with the change type as a fifth target.

Usage:
    .venv/bin/python -m bench.probe_attributes [--checkpoint CKPT]
        [--cfg-options k=v ...] [--data DIR] [--num 2500] [--threads 1]

Writes ``bench/results/probe_attributes.md``.
"""
import argparse
import json
import os
import os.path as osp
import sys

from bench import _common as C

TARGETS = ('color', 'material', 'shape', 'size')
TYPES = ('color', 'material', 'add', 'drop', 'move')


def load_records(root, num):
    records = []
    with open(osp.join(root, 'manifest.jsonl'), encoding='utf-8') as f:
        for line in f:
            rec = json.loads(line)
            if rec.get('change_type') in TYPES and \
                    'changed_object' in rec.get('meta', {}):
                records.append(rec)
            if len(records) == num:
                break
    return records


def object_place(rec, size):
    """(x, y) of the changed object's centre as fractions of the image's
    width and height: the centre of its box where the generator gives one
    (``box_before``, or ``box_after`` for ``add``), else projected with the
    square renderer's camera into a ``size`` px image."""
    meta = rec['meta']
    box = meta.get('box_after' if rec['change_type'] == 'add'
                   else 'box_before')
    if box:
        return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    from onediff_data.synth.render import default_camera, project
    from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
    obj = meta['changed_object']
    size_values = load_scene_vocabulary().size_values
    col, row, f = project(obj['x'], obj['y'], size, default_camera())
    return col / size, (row - f * size_values[obj['size']]) / size


def probe(features, labels):
    """Held-out accuracy of a logistic regression, per target."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    x = np.asarray(features, dtype=np.float64)
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    split = int(len(x) * 0.8)
    out = {}
    for name, y in labels.items():
        y = np.asarray(y)
        clf = LogisticRegression(max_iter=500, C=0.1)
        clf.fit(x[:split], y[:split])
        out[name] = clf.score(x[split:], y[split:])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='trained OneDiff checkpoint whose '
                   'delta tokens to probe (default: the encoder only)')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='key=value overrides the checkpoint was trained with')
    p.add_argument('--data', default='data/clevr-change-synth',
                   help="pairs with scene truth (default: the default "
                   "config's data, which make demo writes)")
    p.add_argument('--num', type=int, default=2500)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--threads', type=int, default=None)
    args = p.parse_args()
    import numpy as np
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    os.chdir(C.ROOT)
    from mmengine.config import DictAction
    opts = argparse.ArgumentParser()
    opts.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg_options = opts.parse_args(
        ['--cfg-options'] + args.cfg_options
        if args.cfg_options else []).cfg_options
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    from mmengine.registry import DefaultScope
    from onediff_kit.data.image_io import read_image_array
    from onediff_kit.registry import MODELS
    DefaultScope.get_instance('probe', scope_name='onediff_kit')
    cfg = C.load_cfg(cfg_options)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        state = torch.load(args.checkpoint, map_location='cpu',
                           weights_only=True)['state_dict']
        model.load_state_dict(state)
    else:
        model.init_weights()
    model.eval()

    records = load_records(args.data, args.num)
    if len(records) < 50:
        raise SystemExit(f'{args.data}/manifest.jsonl has only '
                         f'{len(records)} pairs with scene truth; generate '
                         'the data first (onediff data synth)')
    levels, tokens = None, []
    labels = {k: [] for k in TARGETS + ('change_type', )}
    for start in range(0, len(records), args.batch):
        chunk = records[start:start + args.batch]
        pairs = [np.stack([read_image_array(r[k], root=args.data)
                           for k in ('before', 'after')]) for r in chunk]
        inputs = torch.from_numpy(np.stack(pairs)).permute(0, 1, 4, 2, 3)
        data = model.data_preprocessor(dict(inputs=inputs))
        with torch.no_grad():
            feats = model.encoder(data['inputs'])
            if args.checkpoint:
                tokens.append(model.delta(feats).tokens.flatten(1).numpy())
        levels = levels or [[] for _ in feats]
        for i, rec in enumerate(chunk):
            obj = rec['meta']['changed_object']
            image = 1 if rec['change_type'] == 'add' else 0
            x, y = object_place(rec, inputs.shape[-1])
            for j, feat in enumerate(feats):
                h, w = feat.shape[-2:]
                r = min(h - 1, max(0, int(y * h)))
                c = min(w - 1, max(0, int(x * w)))
                levels[j].append(feat[i, image, :, r, c].numpy())
            for k in TARGETS:
                labels[k].append(obj[k])
            labels['change_type'].append(rec['change_type'])

    header = ['features', 'dims'] + list(TARGETS) + ['change type']
    rows = []
    attr_labels = {k: labels[k] for k in TARGETS}
    for j, feats in enumerate(levels):
        acc = probe(feats, attr_labels)
        rows.append([f'encoder level {j} at the object', len(feats[0])] +
                    [f'{acc[k]:.3f}' for k in TARGETS] + ['-'])
    if tokens:
        acc = probe(np.concatenate(tokens), labels)
        rows.append([f'delta tokens of {args.checkpoint}',
                     tokens[0].shape[1]] +
                    [f'{acc[k]:.3f}' for k in TARGETS] +
                    [f'{acc["change_type"]:.3f}'])
    chance = {k: max(labels[k].count(v) for v in set(labels[k])) /
              len(records) for k in labels}
    rows.append(['majority class', '-'] +
                [f'{chance[k]:.3f}' for k in TARGETS] +
                [f'{chance["change_type"]:.3f}'])
    text = (f'{len(records)} synthetic pairs of `{args.data}` with scene '
            'truth (types color, material, add, drop, move); held-out '
            'accuracy (20 %) of a logistic regression per target.\n\n' +
            C.md_table(header, rows))
    print(text)
    C.write_result('probe_attributes', text, C.command_line())
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""``onediff demo``, run by `make demo`: data -> two-stage training -> test ->
report -> visualisations -> a pretrained folder (work_dirs/demo/pretrained)
-> captions from the CLI with --model. No download.

Every step reuses what an earlier run left in place: the data is generated
only when missing, training resumes from its last checkpoint and is skipped
once finished (``--retrain`` starts it again), so a second run only tests
and reports. A run left by another config (e.g. an older default) is not
reused: the demo stops and names the setting that differs.

    onediff demo [--work-dir work_dirs/demo] [--retrain]
                 [--cfg-options k=v ...]

It runs in a source checkout: the default config and the CLEVR sample are
found next to the installed ``onediff_kit`` package.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

from mmengine.config import Config, DictAction

import onediff_kit
from onediff_kit.cli.clear_errors import with_clear_errors
from onediff_kit.cli.command import parse_command, run_command

REPO = osp.dirname(osp.dirname(osp.abspath(onediff_kit.__file__)))
DEFAULT_CONFIG = osp.join(REPO, 'configs', 'onediff',
                          'onediff_mobilenetv2-vdm_synthdiff.py')
SHARED_CLEVR = osp.join(REPO, '..', 'shared', 'data', 'clevr-diff-sample')


def add_parser(subparsers):
    parser = subparsers.add_parser(
        'demo', help='the `make demo` job: data, training, test, report, '
        'export',
        description='Generate data, train, test, report, visualise and '
        'export the default model (the `make demo` job).')
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-pairs', type=int,
                        help='synthetic pairs to generate when data is '
                        "missing (default: the config's synth_data.num, "
                        'else 10000)')
    parser.add_argument('--retrain', action='store_true',
                        help='train again even if a finished run exists')
    parser.add_argument('--amp', action=argparse.BooleanOptionalAction,
                        default=True,
                        help='train with mixed precision (onediff train '
                        '--amp: bfloat16 autocast on a CPU); on by default, '
                        'the demo\'s quality holds with it (BENCHMARKS.md, '
                        'ablation rows recipe_900it and recipe_900it_bf16); '
                        '--no-amp trains in float32')
    parser.add_argument('--num-vis', type=int, default=6,
                        help='test pairs to visualise')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides for training and testing')
    parser.add_argument('--verbose', action='store_true',
                        help='show all of mmengine\'s log on the console '
                        '(it always goes to the log files in the work dir)')
    parser.add_argument('--debug', action='store_true',
                        help='print the traceback of config and input errors')
    parser.set_defaults(func=with_clear_errors(demo))


def banner(text):
    print(f'\n=== {text} ===', flush=True)


def synth_argv(cfg, num_pairs=None):
    """The `onediff data synth` arguments that make the config's data: its
    ``synth_data`` (generator, size, num, seed, rules), else the default
    generator at ``img_size``."""
    synth = dict(cfg.get('synth_data') or {})
    size = synth.get('size', cfg.get('img_size', 128))
    if not isinstance(size, int):
        size = max(size)  # (h, w): the generator's --size is the width
    argv = ['data', 'synth', '--out', cfg.train_dataloader.dataset.data_root,
            '--num', str(num_pairs or synth.get('num', 10000)),
            '--seed', str(synth.get('seed', 0)), '--size', str(size)]
    if synth.get('generator'):
        argv += ['--generator', synth['generator']]
    if synth.get('rules'):
        argv += ['--rules', json.dumps(synth['rules'], sort_keys=True)]
    return argv


def stale_look(cfg, root):
    """Why the generated data in ``root`` is not what the config's
    generator draws now (another generator, an older ``look_version`` or
    other ``synth_data.rules`` in its info.json); None when it is, or when
    no info.json says."""
    info_file = osp.join(root, 'info.json')
    if not osp.isfile(info_file):
        return None
    with open(info_file, encoding='utf-8') as f:
        info = json.load(f)
    from onediff_kit.registry import GENERATORS
    name = (cfg.get('synth_data') or {}).get('generator')
    cls = GENERATORS.get(name) if name else GENERATORS.get(
        info.get('generator', ''))
    if cls is None or 'generator' not in info:
        return None
    if info['generator'] != cls.__name__:
        return f'drawn by {info["generator"]}, the config names {name}'
    if info.get('look_version', 1) != getattr(cls, 'look_version', 1):
        return (f'drawn by {cls.__name__} look {info.get("look_version", 1)}'
                f', which now draws look {cls.look_version}')
    # Through JSON, as info.json holds them (tuples become lists); data
    # written before info.json recorded rules was drawn with none.
    rules = json.loads(json.dumps(
        (cfg.get('synth_data') or {}).get('rules') or {}))
    drawn_with = info.get('rules', {})
    if drawn_with != rules:
        return f'drawn with rules {drawn_with}, the config asks for {rules}'
    return None


def ensure_data(cfg, num_pairs=None):
    root = cfg.train_dataloader.dataset.data_root
    # vocab.json: the decoder's vocabulary (model.decoder.vocab_file); data
    # generated before it existed is generated again (same seed, same data).
    if all(osp.isfile(osp.join(root, name))
           for name in ('manifest.jsonl', 'scenes.jsonl', 'vocab.json')):
        stale = stale_look(cfg, root)
        if stale is None:
            print(f'reusing the data in {root}')
            return root
        print(f'the data in {root} was {stale}: generating it again')
    argv = synth_argv(cfg, num_pairs)
    banner(f'generating synthetic pairs in {root}: onediff '
           + ' '.join(argv))
    from onediff_kit.cli.main import main as onediff
    code = onediff(argv)
    if code:
        sys.exit(f'error: data generation failed (exit {code})')
    return root


def cfg_options_argv(options):
    """``--cfg-options`` given to the demo, passed on to train and test."""
    if not options:
        return []
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def console_argv(args):
    """``--verbose`` / ``--debug`` given to the demo, passed on."""
    return [f'--{flag}' for flag in ('verbose', 'debug')
            if getattr(args, flag)]


def finished(train_dir, max_iters):
    last = osp.join(train_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return False
    with open(last) as f:
        return f.read().strip().endswith(f'iter_{max_iters}.pth')


# What makes a finished or interrupted run the same training as this one.
TRAINING_KEYS = ('model', 'train_cfg', 'optim_wrapper', 'param_scheduler')


def _plain(value):
    # Tuples and lists alike, as a dumped and reloaded config has them.
    return json.loads(json.dumps(value, default=str))


def first_difference(old, new, path=''):
    """Dotted path of the first value that differs, or None."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            diff = first_difference(old.get(key), new.get(key),
                                    f'{path}.{key}' if path else key)
            if diff:
                return diff
        return None
    return None if old == new else path


def check_same_training(cfg, train_dir):
    """Refuse to reuse a run in ``train_dir`` made with another config
    (e.g. an older default), which would test a model the config does not
    describe."""
    dumped = osp.join(train_dir, osp.basename(cfg.filename))
    if not osp.isfile(dumped):
        return
    old = Config.fromfile(dumped)
    for key in TRAINING_KEYS:
        diff = first_difference(_plain(old.get(key)), _plain(cfg.get(key)),
                                key)
        if diff:
            sys.exit(f'error: {train_dir} holds a run trained with another '
                     f'config ({dumped}: {diff} differs from '
                     f'{osp.relpath(cfg.filename)}); rerun with --retrain to '
                     'train again there, or pass another --work-dir')


def train(args, cfg, train_dir):
    max_iters = cfg.train_cfg.get('max_iters') or sum(
        int(s['iters']) for s in cfg.train_cfg.stages)
    if not args.retrain:
        check_same_training(cfg, train_dir)
    if finished(train_dir, max_iters) and not args.retrain:
        print(f'training finished earlier ({train_dir}); --retrain to redo')
        return
    argv = [args.config, '--work-dir', train_dir]
    if osp.isfile(osp.join(train_dir, 'last_checkpoint')) and \
            not args.retrain:
        argv.append('--resume')  # continue an interrupted run
    argv += cfg_options_argv(args.cfg_options) + console_argv(args)
    if args.amp:
        argv.append('--amp')
    banner('training: ' + ', then '.join(
        f'{s["name"]} ({s["iters"]} iterations)'
        for s in cfg.train_cfg.stages))
    from onediff_kit.cli.train import main as train_main
    train_main(argv)


def best_checkpoint(train_dir):
    best = sorted(glob.glob(osp.join(train_dir, 'best_caption_CIDEr*.pth')))
    if best:
        return best[-1]
    with open(osp.join(train_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test(args, ckpt, test_dir):
    banner(f'testing {osp.basename(ckpt)} on the test split')
    argv = [args.config, ckpt, '--work-dir', test_dir]
    argv += cfg_options_argv(args.cfg_options) + console_argv(args)
    from onediff_kit.cli.test import main as test_main
    return test_main(argv)


def print_report(metrics):
    overall = {
        k.split('/', 1)[1]: v
        for k, v in metrics.items() if k.count('/') == 1
    }
    names = ['BLEU-4', 'METEOR', 'ROUGE-L', 'CIDEr']
    print('\n| metric | ' + ' | '.join(names) + ' |')
    print('|---|' + '---|' * len(names))
    print('| overall | ' + ' | '.join(
        f'{overall.get(n, float("nan")):.4f}' for n in names) + ' |')
    types = sorted({
        k.split('/')[1]
        for k in metrics if k.startswith('caption/') and k.count('/') == 2
    })
    for t in types:
        print(f'| {t} | ' + ' | '.join(
            f'{metrics.get(f"caption/{t}/{n}", float("nan")):.4f}'
            for n in names) + ' |')
    semantic = {k: v for k, v in metrics.items() if k.startswith('semantic/')
                and k.count('/') == 1}
    if semantic:
        print('\nsemantic accuracy (synthetic pairs, parsed captions):')
        for k, v in sorted(semantic.items()):
            print(f'  {k.split("/", 1)[1]:<24} {v:.4f}')
    pointing = {k.split('/', 1)[1]: v for k, v in metrics.items()
                if k.startswith('pointing/')}
    if pointing:
        print('\npointing game (is the delta attention\'s peak on the '
              'changed object?):')
        print(f'  hit rate {pointing.get("hit_rate", float("nan")):.4f}, '
              f'attention mass in the box '
              f'{pointing.get("mass_in_box", float("nan")):.4f} (a random '
              f'point hits {pointing.get("chance", float("nan")):.4f})')
        types = [k.split('/')[0] for k in pointing if k.endswith('/hit_rate')]
        if types:
            print('  per type: ' + ', '.join(
                f'{t} {pointing[t + "/hit_rate"]:.3f}' for t in types))


def visualise(args, ckpt, root, out_dir, num):
    from onediff_kit.apis import DiffCaptioner
    from onediff_kit.data.manifest import load_manifest
    banner(f'visualising {num} test pairs into {out_dir}')
    os.makedirs(out_dir, exist_ok=True)
    captioner = DiffCaptioner(args.config, ckpt, device='cpu',
                              cfg_options=args.cfg_options)
    records = load_manifest(osp.join(root, 'manifest.jsonl'), split='test')
    seen_types, picked = set(), []
    for rec in records:  # one pair per change type first
        if rec.get('change_type') not in seen_types:
            seen_types.add(rec.get('change_type'))
            picked.append(rec)
    for rec in picked[:num]:
        out = osp.join(out_dir, f'{rec["pair_id"]}.png')
        captioner.visualize(
            osp.join(root, rec['before']), osp.join(root, rec['after']),
            out, references=rec['captions'])
        print(f'  {out}')
    return picked


def export_pretrained(args, ckpt, work_dir):
    """Write the model as a pretrained folder (safetensors, card)."""
    from onediff_kit.apis import DiffCaptioner
    out = osp.join(work_dir, 'pretrained')
    banner(f'sharing the model: {out} (config, safetensors, tokenizer, card)')
    test_dir = osp.join(work_dir, 'test')
    scores = [osp.join(test_dir, name) for name in (
        'scores.json', 'semantic_scores.json', 'pointing_scores.json')
        if osp.isfile(osp.join(test_dir, name))]
    config = osp.relpath(args.config, REPO)
    options = ' '.join(cfg_options_argv(args.cfg_options))
    commands = dict(
        demo=f'make demo (onediff demo --work-dir {work_dir})',
        train=f'onediff train {config} --work-dir '
        f'{osp.join(work_dir, "train")} {options}'.strip() +
        (' --amp' if args.amp else ''),
        test=f'onediff test {config} {ckpt} --work-dir {test_dir} '
        f'{options}'.strip())
    captioner = DiffCaptioner(args.config, ckpt, device='cpu',
                              cfg_options=args.cfg_options)
    captioner.save_pretrained(out, scores=scores, commands=commands)
    print(f'wrote {out}/ (README.md is its model card)')
    return out


def caption_with_cli(args, model_dir, pairs):
    banner('captioning pairs with the CLI')
    onediff = shutil.which('onediff') or osp.join(osp.dirname(sys.executable),
                                                  'onediff')
    for before, after, what in pairs:
        cmd = [onediff, 'caption', before, after, '--model', model_dir]
        print('$ ' + ' '.join(osp.relpath(c) if osp.exists(c) else c
                              for c in cmd))
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr.strip())
        else:
            print(f'  [{what}] {out.stdout.strip()}')


def demo(args):
    """Run the demo as the parsed ``args`` say. Errors propagate (the
    command prints the clear ones as one line)."""
    start = time.time()
    from onediff_kit.quiet import quiet_third_party
    quiet_third_party(args.verbose)
    onediff_kit.init()  # plugins, safe checkpoint loading
    from onediff_kit.config_check import check_cfg_options
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.amp:  # as onediff train --amp will, so reruns compare alike
        from onediff_kit.cli.train import use_amp
        use_amp(cfg, announce=False)
    work_dir = args.work_dir
    train_dir = osp.join(work_dir, 'train')
    os.makedirs(work_dir, exist_ok=True)

    steps, last = {}, [start]  # wall seconds per step, printed at the end

    def done(step):
        steps[step] = time.time() - last[0]
        last[0] = time.time()

    root = ensure_data(cfg, args.num_pairs)
    done('data')
    train(args, cfg, train_dir)
    done('training')
    ckpt = best_checkpoint(train_dir)
    used = osp.join(work_dir, 'checkpoint.pth')
    shutil.copyfile(ckpt, used)
    metrics = test(args, used, osp.join(work_dir, 'test'))
    done('test')
    report = dict(
        config=osp.relpath(args.config, REPO),
        checkpoint=used,
        trained_checkpoint=ckpt,
        split='test',
        metrics=metrics)
    with open(osp.join(work_dir, 'metrics.json'), 'w') as f:
        json.dump(report, f, indent=2)
    banner(f'test scores ({osp.join(work_dir, "metrics.json")})')
    print_report(metrics)

    picked = visualise(args, used, root, osp.join(work_dir, 'vis'),
                       args.num_vis)
    done('visualisations')
    pairs = [(osp.join(root, r['before']), osp.join(root, r['after']),
              f'{r["change_type"]}; reference: "{r["captions"][0]}"')
             for r in picked[:2]]
    if osp.isdir(SHARED_CLEVR):  # a real CLEVR render, if the data is here
        pairs.append((osp.join(SHARED_CLEVR, 'CLEVR_new_000000.png'),
                      osp.join(SHARED_CLEVR, 'CLEVR_new_000000_del.png'),
                      'real CLEVR; reference: "The large gray sphere made of '
                      'rubber is missing"'))
    model_dir = export_pretrained(args, used, work_dir)
    done('sharing')
    caption_with_cli(args, model_dir, pairs)
    done('CLI captions')
    print(f'\ndemo finished in {time.time() - start:.0f} s ('
          + ', '.join(f'{k} {v:.0f} s' for k, v in steps.items())
          + f'); everything is in {work_dir}/')
    serve = [osp.join(osp.dirname(sys.executable), 'onediff'), 'serve',
             '--model', model_dir]
    print('\nserve this model on a web page (http://127.0.0.1:7860/):\n  ' +
          ' '.join(osp.relpath(c) if osp.exists(c) else c for c in serve))


def main(argv=None):
    """Run the demo as ``onediff demo ARGV`` would. Errors propagate."""
    return demo(parse_command('demo', argv))


if __name__ == '__main__':
    sys.exit(run_command('demo'))

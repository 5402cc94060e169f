"""System time and minor page faults of one training step of the default
model, with glibc's default malloc thresholds and with MallocTuningHook's.

Each mode runs in a fresh process: build the default config's model (no
pretrained weights), random uint8 pairs at 128 px, one warm-up
``train_step``, then ``--steps`` timed steps; per step: wall time, user and
system CPU time and minor page faults (``getrusage``).

    .venv/bin/python -m bench.probe_malloc [--batch 32] [--steps 5]
        [--threads 1]
"""
import argparse
import json
import resource
import subprocess
import sys
import time

from bench import _common as C


def worker(mode, batch, steps, threads):
    if mode == 'tuned':
        from onediff_kit.engine.hooks.malloc_tuning_hook import tune_malloc
        assert tune_malloc(2**30, 2**30), 'not glibc'
    import torch
    from mmengine.optim import OptimWrapper
    C.set_threads(threads)
    model, _ = C.build_model({}, None)
    model.train()
    wrapper = OptimWrapper(torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4),
        clip_grad=dict(max_norm=1.0))
    data = C.make_batch(batch, 128)
    model.train_step(data, wrapper)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(steps):
        model.train_step(data, wrapper)
    r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    print('RESULT ' + json.dumps(dict(
        mode=mode, step_s=(t1 - t0) / steps,
        user_s=(r1.ru_utime - r0.ru_utime) / steps,
        sys_s=(r1.ru_stime - r0.ru_stime) / steps,
        minflt=(r1.ru_minflt - r0.ru_minflt) // steps, load=C.loadavg())))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--name', default='probe_malloc')
    p.add_argument('--worker', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker, args.batch, args.steps, args.threads)
    rows = []
    for mode in ('glibc default', 'tuned', 'glibc default', 'tuned'):
        out = subprocess.run(
            [sys.executable, '-m', __spec__.name, '--worker',
             'tuned' if mode == 'tuned' else 'plain', '--batch',
             str(args.batch), '--steps', str(args.steps), '--threads',
             str(args.threads)], capture_output=True, text=True, cwd=C.ROOT)
        line = [x for x in out.stdout.splitlines() if x.startswith('RESULT')]
        if not line:
            sys.exit(out.stderr[-3000:])
        r = json.loads(line[0][7:])
        rows.append([mode, f'{r["step_s"]:.2f}', f'{r["user_s"]:.2f}',
                     f'{r["sys_s"]:.3f}', f'{r["minflt"]:,}',
                     '/'.join(f'{x:.2f}' for x in r['load'])])
        print(rows[-1], flush=True)
    text = (f'One training step of the default model, batch {args.batch}, '
            f'128 px, {args.threads} torch thread(s), mean of '
            f'{args.steps} steps; two rounds, interleaved:\n\n' + C.md_table(
                ['malloc', 'step s', 'user s/step', 'system s/step',
                 'minor faults/step', 'load 1/5/15'], rows))
    C.write_result(args.name, text, C.command_line())


if __name__ == '__main__':
    sys.exit(main())

"""Achieved FLOP/s of a default OneDiff training step against the FLOP/s of a
large matmul on the same machine, in the same run.

FLOPs of one step are counted with ``torch.utils.flop_counter.FlopCounterMode``
around ``model.train_step`` (forward + backward; the optimizer's elementwise
update counts no FLOPs there, only matmuls, convolutions and attention do).
The step is then timed (median of ``--steps`` after a warm-up) in float32 and
with bfloat16 autocast, and the machine's matmul FLOP/s is measured with
``torch.mm`` of ``--mm-size`` square matrices in float32 and bfloat16 (median
of ``--mm-runs``). Efficiency = step FLOP/s / matmul FLOP/s of the same dtype.

    .venv/bin/python -m bench.bench_flops_efficiency [--batch 32] [--steps 3]
"""
import argparse
import sys
import time

from bench import _common as C


def matmul_flops(n, dtype, runs):
    import torch
    a = torch.randn(n, n, dtype=dtype)
    b = torch.randn(n, n, dtype=dtype)
    for _ in range(2):
        torch.mm(a, b)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / C.median(times), times


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--mm-size', type=int, default=2048)
    p.add_argument('--mm-runs', type=int, default=5)
    p.add_argument('--name', default='flops_efficiency')
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s, one per core)')
    args = p.parse_args()

    import torch
    C.set_threads(args.threads)
    from mmengine.optim import OptimWrapper
    from torch.utils.flop_counter import FlopCounterMode
    from onediff_kit.engine.optim_wrappers.cpu_autocast_optim_wrapper import \
        CPUAutocastOptimWrapper

    torch.manual_seed(0)
    model, cfg = C.build_model()
    model.train()
    opt_cfg = cfg.optim_wrapper.optimizer.to_dict()
    opt_cfg.pop('type')
    optimizer = torch.optim.AdamW(model.parameters(), **opt_cfg)
    clip = cfg.optim_wrapper.clip_grad.to_dict()
    wrappers = {
        'float32': OptimWrapper(optimizer=optimizer, clip_grad=clip),
        'bf16 autocast': CPUAutocastOptimWrapper(
            dtype='bfloat16', optimizer=optimizer, clip_grad=clip),
    }
    data = C.make_batch(args.batch, args.size)

    with FlopCounterMode(display=False) as counter:
        model.train_step(data, wrappers['float32'])
    flops = counter.get_total_flops()
    by_op = counter.get_flop_counts().get('Global', {})
    top = sorted(by_op.items(), key=lambda kv: -kv[1])[:6]

    rows = []
    for dtype, wrapper in wrappers.items():
        mm_dtype = torch.float32 if dtype == 'float32' else torch.bfloat16
        mm, mm_times = matmul_flops(args.mm_size, mm_dtype, args.mm_runs)
        model.train_step(data, wrapper)  # warm-up
        times = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            model.train_step(data, wrapper)
            times.append(time.perf_counter() - t0)
        step = C.median(times)
        achieved = flops / step
        rows.append([
            dtype, f'{flops / 1e9:.1f}',
            ' / '.join(f'{t:.2f}' for t in times), f'{step:.2f}',
            f'{achieved / 1e9:.1f}',
            f'{mm / 1e9:.1f} ({str(mm_dtype).split(".")[1]})',
            f'{100 * achieved / mm:.1f} %', C.load_str()])
        print(rows[-1], flush=True)
    text = (f'Default config, batch {args.batch} at {args.size} px, one '
            f'`train_step` (forward + backward + clip + AdamW):\n\n')
    text += C.md_table(
        ['step dtype', 'GFLOP/step (fwd+bwd)', 'step times s',
         'median s', 'achieved GFLOP/s',
         f'{args.mm_size}x{args.mm_size} matmul GFLOP/s', 'efficiency',
         'load 1/5/15'], rows)
    text += ('\n\nLargest FLOP counts by op: ' + ', '.join(
        f'{str(k).replace("aten.", "")} {v / 1e9:.1f} G' for k, v in top) +
             '.\nFLOPs counted once in float32 (the same ops run under '
             'autocast). Matmul: median of '
             f'{args.mm_runs} `torch.mm` after 2 warm-ups, 2n^3 FLOPs.')
    C.write_result(args.name, text, C.command_line())


if __name__ == '__main__':
    sys.exit(main())

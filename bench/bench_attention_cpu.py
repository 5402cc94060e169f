"""The math and sdpa attention backends on the CPU, at the exact shapes the
default config uses.

The shapes are not typed in: the script builds the default config's model,
runs one training step (batch ``--batch``) and one batched greedy generation
with and without the key/value cache, and records every distinct attention
call (q, k, v and mask, labelled by the calling layer: VDM self/cross,
decoder self-attention in training, prefill, cached step, uncached step).
Each recorded call is then replayed through both backends (forward; and
forward + backward for the training calls), in float32 and bfloat16; median
of ``--runs`` timings of ``--iters`` calls each.

    .venv/bin/python -m bench.bench_attention_cpu [--batch 32] [--runs 3]
"""
import argparse
import sys
import time

from bench import _common as C


def record(model, data, batch):
    """Distinct attention calls: {label: (q, k, v, mask, is_causal)}."""
    import torch
    from onediff_kit.models import attention as A
    current = {'name': None, 'phase': None}
    calls = {}

    def pre_hook(name):
        def hook(module, args, kwargs):
            current['name'] = name
        return hook

    hooks = [m.register_forward_pre_hook(pre_hook(n), with_kwargs=True)
             for n, m in model.named_modules()
             if isinstance(m, A.MultiheadAttention)]
    real = A.attention

    def spy(q, k, v, mask=None, dropout_p=0.0, is_causal=False,
            need_weights=False, backend=None):
        name = current['name'] or '?'
        if name.startswith('delta'):
            kind = 'VDM cross-attn' if 'cross' in name else 'VDM self-attn'
        elif name.startswith('decoder'):
            kind = {'train': 'decoder self-attn (training)',
                    'prefill': 'decoder prefill',
                    'cached': 'decoder step, cache',
                    'full': 'decoder step, no cache'}[current['phase']]
            if current['phase'] in ('cached', 'full'):
                kind += f' (len {k.shape[-2]})'
        else:
            kind = name
        if kind in calls and tuple(calls[kind][1].shape) != tuple(k.shape):
            kind += f' [kv {k.shape[-2]}]'  # same layer kind, other shape
        if kind not in calls:
            calls[kind] = tuple(
                None if t is None else t.detach().clone()
                for t in (q, k, v, mask)) + (is_causal, )
        return real(q, k, v, mask=mask, dropout_p=dropout_p,
                    is_causal=is_causal, need_weights=need_weights,
                    backend=backend)

    A.attention = spy
    try:
        model.train()
        current['phase'] = 'train'
        pre = model.data_preprocessor(data, True)
        model.loss(**pre)
        model.eval()
        dec = model.decoder
        with torch.no_grad():
            prefix = model.extract_prefix(pre['inputs'])
            orig_c, orig_f = dec._step_cached, dec._step_full

            def cached(token, state):
                current['phase'] = 'cached'
                return orig_c(token, state)

            def full(token, state):
                current['phase'] = 'full'
                return orig_f(token, state)

            dec._step_cached, dec._step_full = cached, full
            for use_cache in (True, False):
                current['phase'] = 'prefill'
                dec.generate(prefix, pre['data_samples'], num_beams=1,
                             max_length=20, use_cache=use_cache)
            dec._step_cached, dec._step_full = orig_c, orig_f
    finally:
        A.attention = real
        for h in hooks:
            h.remove()
    # Keep the first and last step of each generation kind, drop the rest.
    keep = {}
    for kind in calls:
        base = kind.split(' (len')[0]
        keep.setdefault(base, []).append(kind)
    out = {}
    for base, kinds in keep.items():
        if len(kinds) > 2:
            kinds.sort(key=lambda s: int(s.split('len ')[1].rstrip(')')))
            kinds = [kinds[0], kinds[-1]]
        for k in kinds:
            out[k] = calls[k]
    return out


def bench(fn, iters, runs):
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - t0) / iters)
    return C.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--runs', type=int, default=5)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--name', default='attention_cpu')
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s, one per core)')
    args = p.parse_args()

    import torch
    C.set_threads(args.threads)
    from onediff_kit.models.attention import MathAttention, SdpaAttention
    torch.manual_seed(0)
    model, _ = C.build_model()
    calls = record(model, C.make_batch(args.batch, 128), args.batch)
    backends = {'math': MathAttention(), 'sdpa': SdpaAttention()}
    rows = []
    for kind, (q, k, v, mask, causal) in calls.items():
        training = 'training' in kind or kind.startswith('VDM')
        shape = (f'q {tuple(q.shape)}, kv {tuple(k.shape)[2]}'
                 + (', mask' if mask is not None else '')
                 + (', causal' if causal else ''))
        for dtype in (torch.float32, torch.bfloat16):
            qd, kd, vd = (t.to(dtype) for t in (q, k, v))
            res = {}
            agree = None
            for name, fn in backends.items():
                res[name] = bench(lambda: fn(qd, kd, vd, mask=mask,
                                             is_causal=causal),
                                  args.iters, args.runs)
                if training:
                    qg, kg, vg = (t.clone().requires_grad_() for t in
                                  (qd, kd, vd))

                    def fwd_bwd():
                        out, _ = fn(qg, kg, vg, mask=mask, is_causal=causal)
                        out.float().sum().backward()
                    res[name + '_fb'] = bench(fwd_bwd, args.iters, args.runs)
            o1, _ = backends['math'](qd, kd, vd, mask=mask, is_causal=causal)
            o2, _ = backends['sdpa'](qd, kd, vd, mask=mask, is_causal=causal)
            agree = (o1.float() - o2.float()).abs().max().item()
            dt = 'fp32' if dtype == torch.float32 else 'bf16'
            fb = (lambda n: f'{res[n + "_fb"] * 1e3:.3f}' if training
                  else '-')
            rows.append([
                kind, shape, dt, f'{res["math"] * 1e3:.3f}',
                f'{res["sdpa"] * 1e3:.3f}',
                f'{res["math"] / res["sdpa"]:.2f}x', fb('math'), fb('sdpa'),
                (f'{res["math_fb"] / res["sdpa_fb"]:.2f}x' if training
                 else '-'), f'{agree:.1e}', C.load_str()])
            print(rows[-1], flush=True)
    text = (f'Default config, batch {args.batch} (generation: greedy, '
            f'20 tokens; cached/uncached steps shown at their first and last '
            f'length). Times in ms per call, median of {args.runs} runs of '
            f'{args.iters} calls:\n\n')
    text += C.md_table(['call', 'shape (B, H, Lq, d)', 'dtype', 'math fwd',
                        'sdpa fwd', 'sdpa speed-up', 'math fwd+bwd',
                        'sdpa fwd+bwd', 'speed-up fwd+bwd',
                        'max abs diff math vs sdpa', 'load 1/5/15'], rows)
    C.write_result(args.name, text, C.command_line())


if __name__ == '__main__':
    sys.exit(main())

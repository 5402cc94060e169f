"""xformers vs sdpa (vs math) for the attention shapes of OneDiff, on CUDA.

Checks that the backends of ``onediff_kit.models.attention`` agree, then
times them at the sequence lengths the models use, and prints a table:

    python -m bench.bench_attention_gpu [--iters 50] [--repeats 3]
        [--dtype float16] [--xformers-pt-kernels]

It also times each of sdpa's own kernels (flash, efficient, cudnn) on its
own, so the table shows which one sdpa's dispatcher picked.

``--xformers-pt-kernels`` is for an xformers wheel built for another torch
(its C++ extension does not load, so it refuses every CUDA operator, even
the ones that only call PyTorch's kernels): it marks xformers as built with
CUDA so those operators (``cutlassF-pt``, ``fa2F-pt``) can run. xformers' own
kernels (FlashAttention-3) stay unavailable; say so next to the numbers.

Exits with status 0 and a message when there is no CUDA device or no
xformers (it is an optional extra: ``pip install xformers``); exits with
status 1 when the backends disagree beyond the tolerance.
"""
import argparse
import importlib.util
import statistics
import sys
import time
import warnings

# (name, batch, heads, Lq, Lk, head dim, causal, key-padding mask)
CASES = [
    # CPU default config: VDM cross-attention, 8 delta tokens over both
    # images' MobileNetV2 levels (2 x (8x8 + 8x8 + 4x4) tokens; 432 with
    # with_difference=True).
    ('vdm-cross (cpu cfg)', 32, 12, 8, 288, 32, False, False),
    ('vdm-cross +difference', 32, 12, 8, 432, 32, False, False),
    ('vdm-self (cpu cfg)', 32, 12, 8, 8, 32, False, False),
    # Caption decoder: prefix 40 + prompt + caption, causal, padded keys;
    # without padding (structured causal bias); one cached step (the causal
    # mask aligned to the last query).
    ('decoder-self (cpu cfg)', 32, 4, 72, 72, 64, True, True),
    ('decoder-self no pad', 32, 4, 72, 72, 64, True, False),
    ('decoder-step cached', 96, 4, 1, 72, 64, True, False),
    ('decoder-prefill+cache', 32, 4, 8, 72, 64, True, True),
    # Paper scale: 32 delta tokens over CLIP ViT-L/14-336 layers 8/16/24 of
    # both images (2 x 3 x 577 tokens), BERT-base width.
    ('vdm-cross (paper)', 16, 12, 32, 3462, 64, False, False),
    ('vdm-self (paper)', 16, 12, 32, 32, 64, False, False),
    # Cross transformer delta at 24x24 CLIP patches.
    ('cross-delta (paper)', 16, 8, 576, 576, 64, False, False),
]


def timed(fn, iters, repeats=3):
    """Median over ``repeats`` runs of the mean milliseconds per call over
    ``iters`` calls."""
    import torch
    for _ in range(3):
        fn()
    runs = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        torch.cuda.synchronize()
        runs.append((time.perf_counter() - start) / iters * 1e3)
    return statistics.median(runs)


SDPA_KERNELS = ('FLASH_ATTENTION', 'EFFICIENT_ATTENTION', 'CUDNN_ATTENTION')


def sdpa_kernel_ms(q, k, v, mask, causal, iters, repeats):
    """Milliseconds of sdpa restricted to each of its kernels; None where
    that kernel does not take these inputs."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    from onediff_kit.models.attention import attention
    times = {}
    for name in SDPA_KERNELS:
        try:
            # sdpa warns why each kernel it skipped does not apply
            with sdpa_kernel(getattr(SDPBackend, name)), \
                    warnings.catch_warnings():
                warnings.simplefilter('ignore', UserWarning)
                times[name] = timed(
                    lambda: attention(q, k, v, mask=mask, is_causal=causal,
                                      backend='sdpa'), iters, repeats)
        except RuntimeError:  # "No available kernel" for these inputs
            times[name] = None
    return times


def allow_xformers_pt_kernels():
    """Let an xformers whose C++ extension failed to load dispatch the
    operators that only call PyTorch's kernels (see the module docstring).
    """
    import xformers._cpp_lib
    import xformers.ops.fmha.common as common
    if xformers._cpp_lib._cpp_library_load_exception is not None:
        print('xformers C++ extension not loaded: allowing its PyTorch-kernel '
              'operators only (cutlassF-pt, fa2F-pt); no FlashAttention-3.')
        common._built_with_cuda = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=50)
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs of --iters calls; the median is '
                        'printed')
    parser.add_argument('--dtype', default='float16',
                        choices=['float16', 'bfloat16', 'float32'])
    parser.add_argument('--atol', type=float, default=None,
                        help='agreement tolerance (default: by dtype)')
    parser.add_argument('--xformers-pt-kernels', action='store_true',
                        help='let an xformers built for another torch run '
                        'its PyTorch-kernel operators (see the docstring)')
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print('No CUDA device: nothing to benchmark (xformers runs on CUDA '
              'only; on CPU the project uses sdpa).')
        return 0
    if importlib.util.find_spec('xformers') is None:
        print('xformers is not installed (optional extra: pip install '
              'xformers); "auto" uses sdpa. Nothing to compare.')
        return 0

    from onediff_kit.models.attention import (attention, resolve_backend,
                                              xformers_available)
    if args.xformers_pt_kernels:
        allow_xformers_pt_kernels()
    dtype = getattr(torch, args.dtype)
    device = torch.device('cuda')
    atol = args.atol or {'float16': 2e-3, 'bfloat16': 2e-2,
                         'float32': 1e-4}[args.dtype]
    if not xformers_available(device, dtype):
        print(f'xformers is installed but its probe failed on cuda/{dtype}; '
              '"auto" uses sdpa.')
        return 0
    print(f'device: {torch.cuda.get_device_name()}  dtype: {args.dtype}  '
          f'auto -> {resolve_backend("auto", device, dtype)}')

    header = (f'{"case":<24} {"B":>3} {"H":>3} {"Lq":>5} {"Lk":>5} '
              f'{"d":>3} {"max|xf-sdpa|":>13} {"max|sdpa-math|":>14} '
              f'{"sdpa ms":>8} {"xf ms":>8} {"xf/sdpa":>8} '
              f'{"flash ms":>8} {"effic ms":>8} {"cudnn ms":>8}')
    print(header)
    print('-' * len(header))
    failed = False
    torch.manual_seed(0)
    for name, b, h, lq, lk, d, causal, padded in CASES:
        q = torch.randn(b, h, lq, d, device=device, dtype=dtype)
        k = torch.randn(b, h, lk, d, device=device, dtype=dtype)
        v = torch.randn(b, h, lk, d, device=device, dtype=dtype)
        mask = None
        if padded:  # like the decoder's: some keys of item 0 are padding
            mask = torch.ones(b, 1, 1, lk, dtype=torch.bool, device=device)
            mask[0, ..., lk // 2:lk // 2 + lk // 8] = False
        outs = {
            be: attention(q, k, v, mask=mask, is_causal=causal,
                          backend=be)[0].float()
            for be in ('math', 'sdpa', 'xformers')
        }
        diff_xf = (outs['xformers'] - outs['sdpa']).abs().max().item()
        diff_math = (outs['sdpa'] - outs['math']).abs().max().item()
        failed |= diff_xf > atol or diff_math > atol
        ms = {
            be: timed(lambda be=be: attention(q, k, v, mask=mask,
                                              is_causal=causal, backend=be),
                      args.iters, args.repeats)
            for be in ('sdpa', 'xformers')
        }
        kernels = sdpa_kernel_ms(q, k, v, mask, causal, args.iters,
                                 args.repeats)
        kernel_cols = ' '.join('       -' if kernels[n] is None else
                               f'{kernels[n]:>8.3f}' for n in SDPA_KERNELS)
        print(f'{name:<24} {b:>3} {h:>3} {lq:>5} {lk:>5} {d:>3} '
              f'{diff_xf:>13.2e} {diff_math:>14.2e} {ms["sdpa"]:>8.3f} '
              f'{ms["xformers"]:>8.3f} {ms["xformers"] / ms["sdpa"]:>8.2f} '
              f'{kernel_cols}')
    if failed:
        print(f'FAIL: backends disagree beyond atol={atol}')
        return 1
    print(f'OK: backends agree within atol={atol}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Captioning throughput on the CPU: captions/s at batch 32, greedy and beam
3, with and without the key/value cache, for exactly 20-token captions.

How 20 tokens are forced: ``decoder.max_length=20`` and the decoder's
next-token log-probabilities get EOS set to -inf (a wrapper around
``TransformerCaptionDecoder._log_probs``), so no sequence (and no beam) can
end early; greedy stops at ``max_length`` and beam search finishes its live
beams there. The script checks that every caption has 20 tokens. The model is
the default config's, freshly built (random weights; the speed of a forward
does not depend on the values).

Two timings per setting (median of ``--runs`` after a warm-up):
  * end to end: ``model.test_step`` (preprocess, encoder, delta, projector,
    generation, decoding to text), i.e. what tools/test.py runs per batch;
  * generation only: ``decoder.generate`` on a precomputed visual prefix.

    .venv/bin/python -m bench.bench_inference [--batch 32] [--runs 3]
"""
import argparse
import sys
import time

from bench import _common as C


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--length', type=int, default=20)
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--beams', type=int, nargs='+', default=[1, 3])
    p.add_argument('--name', default='inference')
    p.add_argument('--threads', type=int, default=None,
                   help='torch threads (default: torch\'s, one per core)')
    args = p.parse_args()

    import torch
    C.set_threads(args.threads)
    torch.manual_seed(0)
    model, _ = C.build_model({'model.decoder.max_length': args.length})
    model.eval()
    dec = model.decoder
    eos = dec.tokenizer.eos_id
    orig = dec._log_probs

    def no_eos(hidden):
        lp = orig(hidden)
        lp[..., eos] = float('-inf')
        return lp

    dec._log_probs = no_eos
    data = C.make_batch(args.batch, 128)
    with torch.no_grad():
        pre = model.data_preprocessor(data, False)
        prefix = model.extract_prefix(pre['inputs'])
    samples = pre['data_samples']

    def timeit(fn):
        fn()
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return C.median(times), times

    rows = []
    per = {}
    for beams in args.beams:
        for cache in (True, False):
            dec.num_beams, dec.use_cache = beams, cache
            ids = dec.generate(prefix, samples)
            assert ids.shape == (args.batch, args.length), ids.shape
            assert not (ids == eos).any() and not (ids == dec.tokenizer.pad_id).any()
            gen, gen_t = timeit(lambda: dec.generate(prefix, samples))
            e2e, e2e_t = timeit(lambda: model.test_step(data))
            per[(beams, cache)] = gen
            rows.append([
                'greedy' if beams == 1 else f'beam {beams}',
                'yes' if cache else 'no',
                f'{args.batch / e2e:.1f}',
                ' / '.join(f'{t:.2f}' for t in e2e_t),
                f'{args.batch / gen:.1f}',
                ' / '.join(f'{t:.2f}' for t in gen_t), C.load_str()])
            print(rows[-1], flush=True)
    ratio_rows = [[
        'greedy' if b == 1 else f'beam {b}',
        f'{per[(b, False)] / per[(b, True)]:.2f}x'] for b in args.beams]
    text = (f'Default config, batch {args.batch} at 128 px, captions forced '
            f'to {args.length} tokens (EOS banned, max_length='
            f'{args.length}), float32, median of {args.runs} runs:\n\n')
    text += C.md_table(['search', 'kv cache', 'captions/s end to end',
                        'e2e batch times s', 'captions/s generation only',
                        'generate times s', 'load 1/5/15'], rows)
    text += '\n\nSpeed-up of the key/value cache (generation only, ' \
            'no-cache time / cache time):\n\n'
    text += C.md_table(['search', 'cache speed-up'], ratio_rows)
    C.write_result(args.name, text, C.command_line())


if __name__ == '__main__':
    sys.exit(main())

import pytest
import torch

from onediff_kit.models import attention as attn_mod
from onediff_kit.models.attention import (MultiheadAttention, attention,
                                          resolve_backend)
from onediff_kit.registry import ATTENTION_BACKENDS


def _qkv(lq=5, lk=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(2, 3, lq, 8, generator=g)
    k = torch.randn(2, 3, lk, 8, generator=g)
    v = torch.randn(2, 3, lk, 8, generator=g)
    return q, k, v


def _case(case, device='cpu'):
    """q, k, v, mask and is_causal for one named attention case."""
    lq, lk = (3, 7) if case == 'causal_cache' else (
        (7, 7) if case.startswith('causal') else (5, 7))
    q, k, v = (t.to(device) for t in _qkv(lq, lk))
    mask = None
    if case in ('bool_mask', 'causal_mask'):
        mask = torch.rand(2, 1, 1, lk, device=device) > 0.3
        mask[..., 0] = True
    elif case == 'float_mask':
        mask = torch.randn(2, 1, lq, lk, device=device)
    elif case == 'empty_row':
        mask = torch.ones(2, 1, lq, lk, dtype=torch.bool, device=device)
        mask[0, :, 1] = False  # query 1 of item 0 sees nothing
    return q, k, v, mask, case.startswith('causal')


def test_backends_registered():
    for name in ('math', 'sdpa', 'xformers'):
        assert ATTENTION_BACKENDS.get(name) is not None


@pytest.mark.parametrize('case', ['plain', 'bool_mask', 'float_mask',
                                  'causal', 'causal_cache', 'causal_mask',
                                  'empty_row'])
def test_sdpa_matches_math(case):
    q, k, v, mask, causal = _case(case)
    ref, _ = attention(q, k, v, mask=mask, is_causal=causal, backend='math')
    out, _ = attention(q, k, v, mask=mask, is_causal=causal, backend='sdpa')
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    if case == 'empty_row':
        assert torch.all(out[0, :, 1] == 0)


@pytest.mark.skipif(
    not (torch.cuda.is_available()
         and attn_mod.xformers_available('cuda', torch.float16)),
    reason='needs CUDA and a working xformers build (the optional extra)')
@pytest.mark.parametrize('case', ['plain', 'bool_mask', 'float_mask',
                                  'causal', 'causal_cache', 'causal_mask'])
def test_xformers_matches_sdpa_on_cuda(case):
    q, k, v, mask, causal = _case(case, 'cuda')
    q, k, v = q.half(), k.half(), v.half()
    ref, _ = attention(q, k, v, mask=mask, is_causal=causal, backend='sdpa')
    out, _ = attention(q, k, v, mask=mask, is_causal=causal,
                       backend='xformers')
    # float16 rounds the inputs and the output once each (eps / 2 apiece).
    tol = 2 * torch.finfo(torch.float16).eps
    torch.testing.assert_close(out, ref, atol=tol, rtol=tol)


@pytest.mark.parametrize('backend', ['math', 'sdpa'])
def test_float32_bias_with_bfloat16_inputs(backend):
    # The VDM's change prior is an additive bias; it may come in float32
    # while q/k/v are bfloat16 (a bf16 model, or a benchmark).
    q, k, v = (t.bfloat16() for t in _qkv())
    bias = torch.randn(2, 1, 5, 7)
    out, _ = attention(q, k, v, mask=bias, backend=backend)
    assert out.dtype == torch.bfloat16
    ref, _ = attention(q.float(), k.float(), v.float(), mask=bias,
                       backend='math')
    # The scores, the softmax, the weighted sum and the output each round
    # to bfloat16 once (eps / 2 apiece, 2 eps in all); 4 eps leaves a margin
    # of 2 for kernels that round intermediate sums too.
    tol = 4 * torch.finfo(torch.bfloat16).eps
    torch.testing.assert_close(out.float(), ref, atol=tol, rtol=tol)


def test_causal_cache_equals_full_rows():
    q, k, v = _qkv(7, 7)
    full, _ = attention(q, k, v, is_causal=True, backend='math')
    last, _ = attention(q[:, :, -3:], k, v, is_causal=True, backend='sdpa')
    torch.testing.assert_close(last, full[:, :, -3:], atol=1e-5, rtol=1e-5)


def test_need_weights_sum_to_one():
    q, k, v = _qkv()
    _, w = attention(q, k, v, need_weights=True, backend='sdpa')
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 5))


def test_auto_on_cpu_is_sdpa_and_xformers_refuses_cpu():
    assert resolve_backend('auto', 'cpu', torch.float32) == 'sdpa'
    assert attn_mod.xformers_available('cpu', torch.float32) is False
    q, k, v = _qkv()
    with pytest.raises(RuntimeError, match='CUDA only'):
        attention(q, k, v, backend='xformers')


def test_unknown_backend_named_in_error():
    with pytest.raises(KeyError, match='attn_backend="flash9"'):
        attn_mod.check_backend('flash9')
    with pytest.raises(KeyError, match='attn_backend="flash9"'):
        attn_mod.set_attn_backend(MultiheadAttention(8, 2), 'flash9')
    assert not hasattr(attn_mod, 'set_default_backend')
    assert not hasattr(attn_mod, 'get_default_backend')


def test_set_attn_backend_reaches_every_layer_of_one_module_only():
    class Layer(torch.nn.Module):  # calls attention() itself
        attn_backend = None

    first = torch.nn.Sequential(MultiheadAttention(8, 2), Layer(),
                                torch.nn.Linear(8, 8))
    second = torch.nn.Sequential(MultiheadAttention(8, 2))
    assert attn_mod.set_attn_backend(first, 'math') == 2
    assert first[0].attn_backend == 'math' and first[1].attn_backend == 'math'
    assert second[0].attn_backend is None  # another model keeps its own


def test_causal_mask_aligns_to_the_last_query():
    assert attn_mod.causal_mask(2, 4).tolist() == [
        [True, True, True, False], [True, True, True, True]]
    assert torch.equal(attn_mod.causal_mask(3, 3),
                       torch.ones(3, 3, dtype=torch.bool).tril())


def test_multihead_attention_backends_agree_and_cache():
    torch.manual_seed(0)
    mha = MultiheadAttention(16, 4).eval()
    x = torch.randn(2, 6, 16)
    outs = {}
    for backend in ('math', 'sdpa'):
        mha.attn_backend = backend
        outs[backend], _, _ = mha(x, is_causal=True)
    torch.testing.assert_close(outs['math'], outs['sdpa'], atol=1e-5,
                               rtol=1e-5)
    # Prefix then one token with the cache == the full causal pass.
    _, _, cache = mha(x[:, :5], is_causal=True)
    step, _, _ = mha(x[:, 5:], cache=cache)
    torch.testing.assert_close(step, outs['sdpa'][:, 5:], atol=1e-5,
                               rtol=1e-5)

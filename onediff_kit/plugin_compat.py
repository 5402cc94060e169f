"""Calls from the core into a delta module or a decoder, held to their
contracts.

:func:`check_part` runs when ``OneDiff`` builds a part and
:func:`call_delta` / :func:`call_decoder_predict` wrap each call. A part
that breaks its contract raises a one-line
:class:`~onediff_kit.contracts.ContractError`. The old forms of plugin API
1 keep working until onediff_kit :data:`SUPPORTED_UNTIL`, with a
:class:`PluginDeprecationWarning` that says what to change:

* a delta whose ``forward(feats)`` takes no ``need_attention`` (it is
  called without it, so it gives no attention);
* a delta that returns the bare tokens tensor (wrapped in
  ``DeltaOutput(tokens=...)``);
* a decoder whose ``predict(visual_tokens, data_samples)`` takes no
  ``num_beams``/``max_length`` (a call's values are ignored: it decodes as
  configured);
* a decoder whose ``predict`` returns a list of captions (wrapped in
  ``DecoderOutput(captions=...)``).
"""
import functools
import inspect
import warnings

import torch

from onediff_kit.contracts import (EXPECTED, GUIDE, MIGRATION_SECTION,
                                   DecoderOutput, DeltaOutput,
                                   contract_violation)
from onediff_kit.plugin_status import describe_provider

SUPPORTED_UNTIL = '1.0.0'


class PluginDeprecationWarning(DeprecationWarning):
    """A plugin uses an old form of a contract, adapted until onediff_kit
    :data:`SUPPORTED_UNTIL`."""


def _deprecated(part, kind, what, fix):
    cls = type(part)
    section = EXPECTED[kind][1]
    # The message names the class, so the default filter shows it once per
    # class and call site.
    warnings.warn(
        f'{describe_provider(cls)}: {cls.__name__} {what}, the form of '
        f'plugin API 1, adapted until onediff_kit {SUPPORTED_UNTIL}; {fix} '
        f'(see {GUIDE}, sections "{MIGRATION_SECTION}" and "{section}")',
        PluginDeprecationWarning, stacklevel=3)


@functools.lru_cache(maxsize=None)
def _parameters(function):
    """``(names, takes_any_keyword)`` of a function's parameters."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        return (), True
    return (tuple(p.name for p in params),
            any(p.kind is p.VAR_KEYWORD for p in params))


def _takes(function, *keywords):
    names, any_keyword = _parameters(function)
    return any_keyword or all(k in names for k in keywords)


def _binds(method, *args):
    try:
        inspect.signature(method).bind(*args)
    except TypeError:
        return False
    except ValueError:  # no signature to check
        return True
    return True


def _signature(method):
    try:
        return f'{method.__name__}{inspect.signature(method)}'
    except (TypeError, ValueError):
        return method.__name__


def check_part(part, kind):
    """Check a freshly built delta module or decoder against its contract.

    Args:
        part (nn.Module): the built component.
        kind (str): ``'delta'`` or ``'decoder'``.

    Raises:
        ContractError: a method cannot be called as the contract calls it,
            or a width the core reads is missing.

    Warns:
        PluginDeprecationWarning: an old signature that is adapted.
    """
    if kind == 'delta':
        if not _binds(part.forward, None):
            raise contract_violation(
                part, kind, f'has {_signature(part.forward)}')
        width = getattr(part, 'out_channels', None)
        if not isinstance(width, int) or width <= 0:
            raise contract_violation(part, kind,
                                     f'has out_channels={width!r}')
        if not _takes(type(part).forward, 'need_attention'):
            _deprecated(part, kind, 'has forward(feats) without '
                        'need_attention', 'add need_attention=False and '
                        'return DeltaOutput(tokens=..., attention=...)')
    elif kind == 'decoder':
        for name in ('loss', 'predict'):
            method = getattr(part, name, None)
            if not callable(method) or not _binds(method, None, None):
                found = (_signature(method) if callable(method)
                         else f'no {name}()')
                raise contract_violation(part, kind, f'has {found}')
        width = getattr(part, 'embed_dims', None)
        if not isinstance(width, int) or width <= 0:
            raise contract_violation(part, kind, f'has embed_dims={width!r}')
        if not _takes(type(part).predict, 'num_beams', 'max_length'):
            _deprecated(part, kind, 'has predict(visual_tokens, '
                        'data_samples) without num_beams and max_length '
                        '(their values of a call are ignored)',
                        'add num_beams=None, max_length=None (None: the '
                        'configured value) and return DecoderOutput('
                        'captions=..., beams=None)')
    else:
        raise ValueError(f'check_part checks a delta or a decoder, not '
                         f'{kind!r}')


def call_delta(delta, feats, need_attention=False):
    """``delta(feats, need_attention=...)`` as a :class:`DeltaOutput`.

    Raises:
        ContractError: it returned neither a DeltaOutput nor a
            ``(B, N, C)`` tokens tensor.
    """
    if _takes(type(delta).forward, 'need_attention'):
        out = delta(feats, need_attention=need_attention)
    else:
        out = delta(feats)
    if isinstance(out, DeltaOutput):
        return out
    if isinstance(out, torch.Tensor) and out.dim() == 3:
        _deprecated(delta, 'delta', 'returned a bare tensor from forward',
                    'return DeltaOutput(tokens=tokens)')
        return DeltaOutput(tokens=out)
    raise contract_violation(delta, 'delta',
                             f'returned {_describe(out)} from forward')


def call_decoder_predict(decoder, visual_tokens, data_samples,
                         num_beams=None, max_length=None):
    """``decoder.predict(...)`` as a :class:`DecoderOutput` with one caption
    per sample.

    Raises:
        ContractError: it returned neither a DecoderOutput nor a list of
            captions, or not one caption per sample.
    """
    if _takes(type(decoder).predict, 'num_beams', 'max_length'):
        out = decoder.predict(visual_tokens, data_samples,
                              num_beams=num_beams, max_length=max_length)
    else:
        out = decoder.predict(visual_tokens, data_samples)
    if isinstance(out, (list, tuple)) and all(
            isinstance(c, str) for c in out):
        _deprecated(decoder, 'decoder', 'returned a list of captions from '
                    'predict', 'return DecoderOutput(captions=captions)')
        out = DecoderOutput(captions=list(out))
    if not isinstance(out, DecoderOutput):
        raise contract_violation(decoder, 'decoder',
                                 f'returned {_describe(out)} from predict')
    if len(out.captions) != len(data_samples):
        raise contract_violation(
            decoder, 'decoder', f'returned {len(out.captions)} captions for '
            f'{len(data_samples)} samples from predict')
    return out


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f'a Tensor of shape {tuple(value.shape)}'
    return f'a {type(value).__name__}'

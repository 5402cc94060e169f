"""Contract checks of the model parts: encoder, delta, projector, decoder.

Each check builds the part in miniature from its config (the widths that
``OneDiff`` injects are filled in here), feeds it a small batch and raises
an AssertionError that names the class when the part breaks its contract
(:mod:`onediff_kit.contracts`). The old forms that ``OneDiff`` adapts with a
warning fail here: a conformance check holds the current contract.
"""
import io
import warnings

import torch

from onediff_kit.contracts import DecoderOutput, DeltaOutput
from onediff_kit.models import attention as attention_module
from onediff_kit.models.attention import set_attn_backend
from onediff_kit.plugin_compat import PluginDeprecationWarning, check_part
from onediff_kit.registry import DATASETS, METRICS, MODELS
from onediff_kit.structures import DiffDataSample
from onediff_kit.visualization import delta_attention_maps

BATCH = 2
IMAGE_SIZE = 32  # an encoder's input: (BATCH, 2, 3, IMAGE_SIZE, IMAGE_SIZE)
IN_CHANNELS = (8, 16, 24)  # the encoder levels a delta module is built for
SIDES = (8, 4, 2)  # and their sides
IMAGE_CHANNELS, DELTA_CHANNELS, WIDTH = 8, 12, 16  # a projector's widths
PREFIX_TOKENS = 5  # a decoder's visual prefix: (BATCH, 5, embed_dims)
PROBE_BACKEND = 'math'  # a backend 'auto' never picks
CAPTIONS = ['the red cube moved to the left .', 'a blue sphere was added .']
PROMPT = 'describe the difference'


def make_samples(captions=CAPTIONS, prompt=PROMPT):
    """Data samples with a prompt and a reference caption each."""
    return [
        DiffDataSample(metainfo=dict(pair_id=str(i), task='clevr',
                                     prompt=prompt, captions=[c],
                                     gt_caption=c))
        for i, c in enumerate(captions)
    ]


def component_class(cfg):
    """The class ``cfg`` builds: its ``type``, or the class registered
    under that name for a model part, a metric or a dataset."""
    if not isinstance(cfg['type'], str):
        return cfg['type']
    for registry in (MODELS, METRICS, DATASETS):
        cls = registry.get(cfg['type'])
        if cls is not None:
            return cls
    raise AssertionError(
        f'{cfg["type"]!r} is registered in no onediff_kit registry; call '
        'onediff_kit.init() first, or pass the class as type')


def component_kind(cfg):
    """The ``component_kind`` of the class ``cfg`` builds (None: none)."""
    return getattr(component_class(cfg), 'component_kind', None)


def build_part(cfg, seed=0):
    """Build a model part from ``cfg``, with the widths ``OneDiff`` would
    inject, under ``seed``."""
    cfg = dict(cfg)
    kind = component_kind(cfg)
    if kind == 'delta':
        cfg.setdefault('in_channels', list(IN_CHANNELS))
    elif kind == 'projector':
        cfg.setdefault('image_channels', IMAGE_CHANNELS)
        cfg.setdefault('delta_channels', DELTA_CHANNELS)
        cfg.setdefault('out_channels', WIDTH)
    torch.manual_seed(seed)
    part = MODELS.build(cfg)
    if kind in ('delta', 'decoder'):
        with warnings.catch_warnings():
            # An adapted old form fails the check, with the warning's text.
            warnings.simplefilter('error', PluginDeprecationWarning)
            check_part(part, kind)
    return part


def make_inputs(part, seed=0):
    """A batch of what the part takes, by kind."""
    g = torch.Generator().manual_seed(seed)
    kind = part.component_kind
    if kind == 'encoder':
        return (torch.rand(BATCH, 2, 3, IMAGE_SIZE, IMAGE_SIZE,
                           generator=g), )
    if kind == 'delta':
        return (tuple(torch.randn(BATCH, 2, c, s, s, generator=g)
                      for c, s in zip(IN_CHANNELS, SIDES)), )
    if kind == 'projector':
        return (torch.randn(BATCH, 2 * 4, IMAGE_CHANNELS, generator=g),
                torch.randn(BATCH, 3, DELTA_CHANNELS, generator=g))
    return (torch.randn(BATCH, PREFIX_TOKENS, part.embed_dims, generator=g),
            make_samples())


def _name(part):
    return type(part).__name__


def _outputs(part, args):
    """The part's result as a flat list of tensors (and captions)."""
    kind = part.component_kind
    if kind == 'encoder':
        return list(part(*args))
    if kind == 'delta':
        out = part(*args, need_attention=True)
        return [out.tokens] + ([out.attention]
                               if out.attention is not None else [])
    if kind == 'projector':
        return [part(*args)]
    out = part.predict(*args)
    return [part.loss(*args)['loss'], out.captions]


def _own_state(module):
    """Every plain attribute of the module and its submodules."""
    return {(name, key): value
            for name, sub in module.named_modules()
            for key, value in vars(sub).items()
            if key not in ('_parameters', '_buffers', '_modules')}


# ------------------------------------------------------------- the checks
def check_outputs(cfg, **options):
    """Types and shapes of what the part returns, as its base class says."""
    part = build_part(cfg).eval()
    args = make_inputs(part)
    name, kind = _name(part), part.component_kind
    with torch.no_grad():
        if kind == 'encoder':
            feats = part(*args)
            assert isinstance(feats, tuple), \
                f'{name}.forward returned {type(feats).__name__}, not a tuple'
            assert len(feats) == len(part.out_channels) > 0, \
                f'{name}: {len(feats)} levels, out_channels ' \
                f'{part.out_channels}'
            for feat, channels in zip(feats, part.out_channels):
                assert feat.dim() == 5 and \
                    feat.shape[:3] == (BATCH, 2, channels), \
                    f'{name}: a level of shape {tuple(feat.shape)}, not ' \
                    f'({BATCH}, 2, {channels}, h, w)'
        elif kind == 'delta':
            out = part(*args)
            assert isinstance(out, DeltaOutput), \
                f'{name}.forward returned {type(out).__name__}, ' \
                'not DeltaOutput'
            assert out.attention is None, \
                f'{name}: attention without need_attention=True'
            assert out.tokens.dim() == 3 and out.tokens.shape[0] == BATCH \
                and out.tokens.shape[2] == part.out_channels, \
                f'{name}: tokens {tuple(out.tokens.shape)}, not ' \
                f'({BATCH}, N, {part.out_channels})'
            _check_attention(part, part(*args, need_attention=True))
        elif kind == 'projector':
            out = part(*args)
            assert out.shape == (BATCH, 2 * 4 + 3, WIDTH), \
                f'{name}: prefix {tuple(out.shape)}'
            no_image = part(None, args[1][:, :0])  # no image, no delta
            assert no_image.shape == (BATCH, 0, WIDTH), \
                f'{name}: no tokens in gave {tuple(no_image.shape)}'
        else:
            _check_decoder(part, args)


def _check_attention(part, out):
    name = _name(part)
    if not part.exposes_attention:
        assert out.attention is None, \
            f'{name} gives attention but exposes_attention is False'
        return
    assert out.attention is not None and out.attention.shape[0] == BATCH, \
        f'{name}: exposes_attention but need_attention=True gave none'
    # The layout comes with the result: one pair's maps can be drawn.
    maps = delta_attention_maps(out.attention[0], out.memory_shapes,
                                memory_groups=out.memory_groups)
    assert maps.shape[0] == 2 and maps.ndim == 3


def _check_decoder(part, args):
    name = _name(part)
    loss = part.loss(*args)
    assert isinstance(loss, dict) and loss['loss'].ndim == 0 and \
        torch.isfinite(loss['loss']), f'{name}.loss: {loss!r}'
    config = dict(vars(part))
    out = part.predict(*args)
    assert isinstance(out, DecoderOutput), \
        f'{name}.predict returned {type(out).__name__}, not DecoderOutput'
    assert len(out.captions) == BATCH and all(
        isinstance(c, str) for c in out.captions), \
        f'{name}: captions {out.captions!r}'
    if out.beams is not None:  # per sample, best first = the caption
        assert [b[0][0] for b in out.beams] == out.captions, \
            f'{name}: the first beam is not the caption'
    greedy = part.predict(*args, num_beams=1, max_length=2)
    assert greedy.beams is None, f'{name}: beams from greedy search'
    assert all(len(c.split()) <= 2 for c in greedy.captions), \
        f'{name}: max_length=2 gave {greedy.captions!r}'
    # Decoding options are arguments: nothing on the decoder changed.
    assert dict(vars(part)) == config, \
        f'{name}.predict changed attributes of the decoder'


def check_gradients(cfg, swap_exempt=None, **options):
    """A loss on the output reaches every trainable parameter (and, for a
    decoder, the visual prefix). A part with nothing to train passes only
    with ``swap_exempt`` (it ignores its input)."""
    part = build_part(cfg).train()
    args = make_inputs(part)
    name, kind = _name(part), part.component_kind
    if kind == 'decoder':
        args = (args[0].requires_grad_(), args[1])
        loss = part.loss(*args)['loss']
    elif kind == 'delta':
        loss = part(*args).tokens.square().mean()
    elif kind == 'encoder':
        loss = sum(f.square().mean() for f in part(*args))
    else:
        loss = part(*args).square().mean()
    trainable = [(n, p) for n, p in part.named_parameters()
                 if p.requires_grad]
    if not trainable:
        assert swap_exempt, f'{name} has nothing to train'
        return
    loss.backward()
    missed = [n for n, p in trainable if p.grad is None]
    assert not missed, f'{name}: no gradient reaches {missed}'
    if kind == 'decoder':  # the caption depends on the visual prefix
        assert args[0].grad.abs().sum() > 0, \
            f'{name}: the loss does not depend on the visual prefix'


def check_swap(cfg, swap_exempt=None, **options):
    """Exchanging before and after: an encoder's features swap with them
    (one shared network), a delta module's tokens change. Nothing to check
    for a projector or a decoder, or with ``swap_exempt``."""
    part = build_part(cfg).eval()
    kind = part.component_kind
    if swap_exempt or kind not in ('encoder', 'delta'):
        return
    args = make_inputs(part)
    name = _name(part)
    with torch.no_grad():
        if kind == 'encoder':
            swapped = (args[0].flip(1), )
            for f, g in zip(part(*args), part(*swapped)):
                assert not torch.allclose(f[:, 0], f[:, 1]), \
                    f'{name}: the two images give the same features'
                torch.testing.assert_close(
                    g, f.flip(1),
                    msg=lambda m: f'{name} is not Siamese: {m}')
            return
        swapped = (tuple(f.flip(1) for f in args[0]), )
        tokens = part(*args).tokens
        assert not torch.allclose(tokens, part(*swapped).tokens,
                                  atol=1e-5), \
            f'{name}: the tokens do not depend on which image came first'


def check_no_state(cfg, **options):
    """``forward`` keeps nothing on the module (checked for a delta module,
    whose attention a module might be tempted to keep)."""
    part = build_part(cfg).eval()
    if part.component_kind != 'delta':
        return
    state = _own_state(part)
    with torch.no_grad():
        part(*make_inputs(part), need_attention=True)
        part(*make_inputs(part, seed=1))
    after = _own_state(part)
    kept = sorted({k for k in after if k not in state or
                   after[k] is not state[k]})
    assert not kept, f'{_name(part)} keeps state from forward: {kept}'


def check_state_dict(cfg, fresh_cfg=None, **options):
    """A fresh instance that loads the state dict gives identical outputs.

    ``fresh_cfg`` overrides keys of ``cfg`` for the fresh instance (what a
    checkpoint fills, e.g. a tokenizer from the state dict).
    """
    part = build_part(cfg).eval()
    with torch.no_grad():  # differ from any fresh build, pretrained or not
        for param in part.parameters():
            param.add_(0.05 * torch.randn_like(param))
    buffer = io.BytesIO()
    torch.save(part.state_dict(), buffer)
    buffer.seek(0)
    fresh = build_part(dict(cfg, **(fresh_cfg or {})), seed=1).eval()
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    args = make_inputs(part)
    with torch.no_grad():
        for x, y in zip(_outputs(part, args), _outputs(fresh, args)):
            if isinstance(x, torch.Tensor):
                torch.testing.assert_close(x, y, rtol=0, atol=0)
            else:
                assert x == y, f'{_name(part)}: {x!r} != {y!r} after load'


def check_attn_backend(cfg, **options):
    """Every call of the shared :func:`~onediff_kit.models.attention.
    attention` follows the model's ``attn_backend`` (which ``OneDiff`` sets
    on each layer with an ``attn_backend`` attribute); a layer that leaves
    it out would silently run ``auto``."""
    part = build_part(cfg).eval()
    set_attn_backend(part, PROBE_BACKEND)
    asked = []
    resolve = attention_module.resolve_backend

    def recording(name, device, dtype):
        asked.append(name)
        return resolve(name, device, dtype)

    attention_module.resolve_backend = recording
    try:
        with torch.no_grad():
            _outputs(part, make_inputs(part))
    finally:
        attention_module.resolve_backend = resolve
    ignored = sorted({str(name) for name in asked if name != PROBE_BACKEND})
    assert not ignored, (
        f'{_name(part)} calls attention() with backend {ignored} although '
        f'the model asked for "{PROBE_BACKEND}": declare '
        'self.attn_backend = None in __init__ and pass '
        'backend=self.attn_backend')


MODEL_PART_CHECKS = dict(outputs=check_outputs, gradients=check_gradients,
                         swap=check_swap, no_state=check_no_state,
                         state_dict=check_state_dict,
                         attn_backend=check_attn_backend)
MODEL_PART_KINDS = ('encoder', 'delta', 'projector', 'decoder')

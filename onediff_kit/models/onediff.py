"""OneDiff: siamese encoder -> delta module -> projector -> decoder."""
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModel

from onediff_kit.models.attention import check_backend, set_attn_backend
from onediff_kit.models.levels import check_level
from onediff_kit.plugin_compat import (call_decoder_predict, call_delta,
                                       check_part)
from onediff_kit.registry import MODELS

PARTS = ('encoder', 'delta', 'projector', 'decoder', 'delta_head')


@MODELS.register_module()
class OneDiff(BaseModel):
    """Image difference captioner (OneDiff, arXiv 2407.05645).

    The encoder maps both images (one batched forward) to multi-level
    features; the delta module turns them into delta tokens; image tokens
    are the features of one level of both images, pooled to a small grid;
    the projector maps image and delta tokens to the decoder's width, and
    the decoder captions from that visual prefix and the task prompt.

    Args:
        encoder (dict): config of a ``component_kind='encoder'`` module
            (e.g. a ``CachedEncoder`` that serves a frozen encoder's
            features from disk).
        delta (dict): config of a delta module; ``in_channels`` is injected
            from the encoder's ``out_channels``.
        projector (dict): config of a projector; ``image_channels``,
            ``delta_channels`` and ``out_channels`` are injected.
        decoder (dict): config of a decoder; it exposes ``embed_dims``.
        delta_head (dict, optional): config of an auxiliary head on the delta
            tokens (``in_channels`` injected), e.g. ``ChangeAttributeHead``;
            its losses are added in training, it is unused at inference.
            None (the paper's recipe) = no head.
        data_preprocessor (dict, optional): defaults to
            ``DiffDataPreprocessor`` with ImageNet mean/std.
        image_tokens (dict, optional): ``level`` (index into the encoder's
            levels, default -1) and ``pool`` (grid side the level is
            average-pooled to, None keeps its size). None gives the decoder
            no image tokens (delta tokens only).
        trainable (sequence[str], optional): the only parts (or dotted
            submodule names, e.g. ``'decoder.lm'``) that train; e.g.
            ``('delta', 'projector')`` for stage 1, Coupled Sample Training.
            None trains all (minus ``frozen``).
        frozen (sequence[str]): parts or submodules to freeze. Frozen
            parameters get ``requires_grad=False`` and their modules stay
            in eval mode (no BatchNorm statistics updates, no dropout).
        attn_backend (str): ``auto``, ``sdpa``, ``math`` or ``xformers``:
            set on every attention layer of this model's parts after they
            are built (see :func:`~onediff_kit.models.attention.
            set_attn_backend`); other models in the process keep theirs.
            Hugging Face encoders and decoders keep their own attention
            implementation.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, encoder, delta, projector, decoder, delta_head=None,
                 data_preprocessor=None, image_tokens=dict(level=-1, pool=4),
                 trainable=None, frozen=(), attn_backend='auto',
                 init_cfg=None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='DiffDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.attn_backend = check_backend(attn_backend)
        self.encoder = MODELS.build(encoder)
        levels = list(self.encoder.out_channels)
        self.delta = MODELS.build(
            dict(delta, in_channels=levels))
        self.decoder = MODELS.build(decoder)
        check_part(self.delta, 'delta')
        check_part(self.decoder, 'decoder')
        self.delta_head = (MODELS.build(
            dict(delta_head, in_channels=self.delta.out_channels))
                           if delta_head is not None else None)

        self.image_tokens = image_tokens
        image_channels = 0
        if image_tokens is not None:
            image_channels = levels[check_level(
                image_tokens.get('level', -1), levels, 'image_tokens.level')]
        self.projector = MODELS.build(
            dict(projector, image_channels=image_channels,
                 delta_channels=self.delta.out_channels,
                 out_channels=self.decoder.embed_dims))
        set_attn_backend(self, attn_backend)

        if trainable is not None and frozen:
            raise ValueError('give OneDiff either `trainable` or `frozen`, '
                             'not both')
        # What the parts froze themselves (e.g. the encoder's
        # frozen_stages) stays frozen whatever a training stage asks.
        self._own_frozen = {
            name for name, p in self.named_parameters() if not p.requires_grad
        }
        self.frozen_modules = self._freeze(trainable, frozen)
        self._log_parameter_table()

    # ----------------------------------------------------------- freezing
    def set_trainable(self, trainable=None, frozen=()):
        """Choose again which parts train, e.g. between training stages.

        Args:
            trainable (sequence[str], optional): as the constructor's.
            frozen (sequence[str]): as the constructor's.
        """
        if trainable is not None and frozen:
            raise ValueError('give OneDiff either `trainable` or `frozen`, '
                             'not both')
        for name, param in self.named_parameters():
            # FSDP units and activation-checkpoint wrappers (training
            # stages under FlexibleRunner) insert their module into names.
            name = name.replace('_fsdp_wrapped_module.', '').replace(
                '_checkpoint_wrapped_module.', '')
            param.requires_grad_(name not in self._own_frozen)
        self.frozen_modules = self._freeze(trainable, frozen)
        self.train(self.training)
        self._log_parameter_table()

    def _check_names(self, names, key):
        for name in names:
            try:
                self.get_submodule(name)
            except AttributeError:
                raise KeyError(
                    f'{key}: "{name}" is not a submodule of OneDiff; parts '
                    f'are {", ".join(PARTS)} (dotted names reach deeper)'
                ) from None

    def _freeze(self, trainable, frozen):
        if trainable is not None:
            trainable = tuple(trainable)
            self._check_names(trainable, 'trainable')

            def touches_trainable(name):  # is, is inside or holds one
                return any(name == t or name.startswith(t + '.') or
                           t.startswith(name + '.') for t in trainable)

            frozen = []
            for name, _ in self.named_modules():
                if (not name or name == 'data_preprocessor' or
                        touches_trainable(name) or
                        any(name.startswith(f + '.') for f in frozen)):
                    continue
                frozen.append(name)
            # Parameters held directly by a module above a trainable one
            # (e.g. delta.delta_tokens when only delta.layers train).
            for name, param in self.named_parameters():
                if not any(name.startswith(t + '.') for t in trainable):
                    param.requires_grad_(False)
        frozen = tuple(frozen)
        self._check_names(frozen, 'frozen')
        for name in frozen:
            module = self.get_submodule(name)
            for param in module.parameters():
                param.requires_grad_(False)
            module.eval()
        return frozen

    def train(self, mode=True):
        super().train(mode)
        for name in getattr(self, 'frozen_modules', ()):
            self.get_submodule(name).eval()
        return self

    def parameter_table(self):
        """Rows ``(part, trainable, frozen)`` of parameter counts."""
        rows = []
        for part in PARTS:
            if getattr(self, part) is None:
                continue
            params = list(getattr(self, part).parameters())
            n_train = sum(p.numel() for p in params if p.requires_grad)
            n_frozen = sum(p.numel() for p in params if not p.requires_grad)
            rows.append((part, n_train, n_frozen))
        return rows

    def _log_parameter_table(self):
        rows = self.parameter_table()
        lines = [f'{"module":<10} {"trainable":>12} {"frozen":>12}']
        for part, n_train, n_frozen in rows:
            lines.append(f'{part:<10} {n_train:>12,} {n_frozen:>12,}')
        total_t = sum(r[1] for r in rows)
        total_f = sum(r[2] for r in rows)
        lines.append(f'{"total":<10} {total_t:>12,} {total_f:>12,}')
        print_log('OneDiff parameters:\n' + '\n'.join(lines),
                  logger='current')

    # ------------------------------------------------------------ forward
    def _image_tokens(self, feats):
        if self.image_tokens is None:
            return None
        feat = feats[self.image_tokens.get('level', -1)]
        b, _, c, h, w = feat.shape
        feat = feat.flatten(0, 1)
        pool = self.image_tokens.get('pool')
        if pool is not None:
            feat = F.adaptive_avg_pool2d(feat, pool)
        # (B*2, C, h, w) -> (B, 2*h*w, C): all of A's tokens, then B's.
        return feat.flatten(2).transpose(1, 2).reshape(b, -1, c)

    def prefix_and_delta(self, inputs, need_attention=False):
        """The decoder's visual prefix ``(B, T, D)`` for ``(B, 2, 3, H, W)``
        and the delta module's :class:`~onediff_kit.contracts.
        DeltaOutput` (with its attention if ``need_attention`` and the
        module exposes it)."""
        feats = self.encoder(inputs)
        delta = call_delta(self.delta, feats, need_attention)
        prefix = self.projector(self._image_tokens(feats), delta.tokens)
        return prefix, delta

    def extract_prefix(self, inputs):
        """The decoder's visual prefix ``(B, T, D)`` for ``(B, 2, 3, H, W)``.
        """
        return self.prefix_and_delta(inputs)[0]

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_prefix(inputs)
        raise RuntimeError(f'Invalid mode "{mode}"; use loss, predict or '
                           'tensor.')

    def loss(self, inputs, data_samples):
        prefix, delta = self.prefix_and_delta(inputs)
        if self.delta_head is None:
            return self.decoder.loss(prefix, data_samples)
        # Renamed so that the logged ``loss`` is the total (parse_losses).
        losses = {f'{k}_caption' if k == 'loss' else k: v
                  for k, v in self.decoder.loss(prefix, data_samples).items()}
        losses.update(self.delta_head.loss(delta.tokens, data_samples))
        return losses

    @torch.no_grad()
    def predict(self, inputs, data_samples, num_beams=None, max_length=None,
                need_attention=True):
        """Caption the pairs; the results go onto ``data_samples``.

        Args:
            inputs (Tensor): ``(B, 2, 3, H, W)`` preprocessed pairs.
            data_samples (list[DiffDataSample]): the batch's samples.
            num_beams (int, optional): beam size of this call; None: the
                decoder's configured one.
            max_length (int, optional): most generated tokens of this call;
                None: the decoder's configured one.
            need_attention (bool): ask the delta module for its attention.

        Returns:
            list[DiffDataSample]: ``data_samples`` with ``pred_caption``,
            ``pred_beams`` (beam search, where the decoder lists them) and,
            with ``need_attention`` where the delta module exposes it,
            ``delta_attention``: a dict of the pair's ``weights`` (as the
            module returned them) and their layout, ``memory_shapes`` and
            ``memory_groups`` (see :class:`~onediff_kit.contracts.
            DeltaOutput`); :func:`~onediff_kit.visualization.
            delta_attention_maps` turns it into heat maps.
        """
        prefix, delta = self.prefix_and_delta(inputs, need_attention)
        out = call_decoder_predict(self.decoder, prefix, data_samples,
                                   num_beams=num_beams,
                                   max_length=max_length)
        for i, (sample, caption) in enumerate(zip(data_samples,
                                                  out.captions)):
            sample.set_field(caption, 'pred_caption', field_type='data')
            if out.beams is not None:
                sample.set_field(out.beams[i], 'pred_beams',
                                 field_type='data')
            if delta.attention is not None:
                attention = dict(
                    weights=delta.attention[i].detach().float().cpu(),
                    memory_shapes=delta.memory_shapes,
                    memory_groups=delta.memory_groups)
                sample.set_field(attention, 'delta_attention',
                                 field_type='data')
        return data_samples

"""Siamese encoder over any mmpretrain backbone."""
import importlib
import inspect

from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict

from onediff_kit.contracts import BaseEncoder
from onediff_kit.registry import MODELS
from onediff_models.encoders.freeze_unused import freeze_unused
from onediff_models.imagenet_weights import resolve_pretrained


def _mmpretrain_import_error():
    """Why ``mmpretrain.models`` does not import, as a message suffix ('' if
    it does): mmengine's scoped lookup hides that error and returns None."""
    try:
        importlib.import_module('mmpretrain.models')
    except Exception as exc:  # any import-time failure of a dependency
        return (f' (importing mmpretrain.models failed: '
                f'{type(exc).__name__}: {exc})')
    return ''


@MODELS.register_module()
class MMPretrainEncoder(BaseEncoder):
    """Both images through one mmpretrain backbone, in one batched forward.

    Args:
        backbone (dict): mmpretrain backbone config, e.g.
            ``dict(type='mmpretrain.MobileNetV2', out_indices=(2, 4, 6))``;
            a ``type`` without scope is looked up in mmpretrain. Its
            ``out_indices`` choose the levels (stages or layers). Where the
            backbone has them and the config does not set them,
            ``out_type='featmap'`` (ViT/DeiT) and
            ``gap_before_final_norm=False`` (ConvNeXt) are set so that every
            level is a 2-D map.
        frozen_stages (int | str): ``'all'`` freezes the whole backbone
            (kept in eval mode), ``-1`` (or None) freezes nothing, ``N``
            is passed to the backbone's own ``frozen_stages`` (its
            convention: e.g. ResNet/MobileNetV2 freeze the stem and the first
            N stages).
        pretrained (str, optional): a named offline source (e.g.
            ``'mobilenet_v2-imagenet'``, converted from the installed
            package into the cache), a local checkpoint path or URL. Keys
            under ``backbone.`` are used when present. Loaded in
            ``init_weights``.
        probe_size (int): side of the dummy input used once at build time
            to read the levels' channel counts and find parameters the
            chosen levels do not use (e.g. MobileNetV2's last 1x1 conv when
            ``out_indices`` stops earlier); those are frozen, so no optimiser
            or DDP sees parameters without gradients.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, backbone, frozen_stages=-1, pretrained=None,
                 probe_size=64, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        backbone = dict(backbone)
        if '.' not in backbone['type']:
            backbone['type'] = 'mmpretrain.' + backbone['type']
        cls = MODELS.get(backbone['type'])
        if cls is None:
            raise KeyError(f'encoder.backbone.type="{backbone["type"]}" is '
                           'not a registered mmpretrain backbone'
                           f'{_mmpretrain_import_error()}')
        # Keyword arguments of the class and its bases (DeiT forwards
        # **kwargs to ViT).
        params = set()
        for klass in cls.__mro__:
            if '__init__' in vars(klass):
                params |= set(inspect.signature(klass.__init__).parameters)
        if 'out_type' in params:
            backbone.setdefault('out_type', 'featmap')
        if 'gap_before_final_norm' in params:
            backbone.setdefault('gap_before_final_norm', False)
        self.freeze_all = frozen_stages == 'all'
        if isinstance(frozen_stages, int) and frozen_stages >= 0:
            if 'frozen_stages' not in params:
                raise ValueError(
                    f'encoder.frozen_stages={frozen_stages}: '
                    f'{backbone["type"]} has no frozen_stages; use "all" or '
                    '-1')
            backbone['frozen_stages'] = frozen_stages
        elif not (self.freeze_all or frozen_stages in (-1, None)):
            raise ValueError(f'encoder.frozen_stages={frozen_stages!r}: use '
                             '"all", -1 or a stage count')
        self.backbone = MODELS.build(backbone)
        self.pretrained = pretrained
        self.out_channels = tuple(
            f.shape[2] for f in freeze_unused(self, self.backbone, probe_size))
        if self.freeze_all:
            for p in self.backbone.parameters():
                p.requires_grad_(False)
            self.backbone.eval()

    def init_weights(self):
        super().init_weights()
        if self.pretrained is None:
            return
        path = resolve_pretrained(self.pretrained)
        ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        if any(k.startswith('backbone.') for k in state):
            state = {k[len('backbone.'):]: v for k, v in state.items()
                     if k.startswith('backbone.')}
        load_state_dict(self.backbone, state, strict=False)
        print_log(f'MMPretrainEncoder: loaded {self.pretrained} ({path})',
                  logger='current')

    def train(self, mode=True):
        super().train(mode)
        if self.freeze_all:
            self.backbone.eval()
        return self

    def forward(self, images):
        b = images.shape[0]
        feats = self.backbone(images.flatten(0, 1))
        out = []
        for level, feat in enumerate(feats):
            if feat.dim() != 4:
                raise ValueError(
                    f'encoder level {level} has shape {tuple(feat.shape)}; '
                    'the backbone must return (N, C, h, w) maps (check '
                    'encoder.backbone out_type / pooling settings)')
            out.append(feat.unflatten(0, (b, 2)))
        return tuple(out)

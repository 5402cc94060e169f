"""Siamese encoder over a Hugging Face vision tower (e.g. CLIP ViT)."""
import inspect
import math

import torch

from onediff_kit.contracts import BaseEncoder
from onediff_kit.models.levels import check_level
from onediff_kit.registry import MODELS
from onediff_models.encoders.freeze_unused import freeze_unused


@MODELS.register_module()
class HFVisionEncoder(BaseEncoder):
    """Hidden states of chosen layers of a Hugging Face vision model.

    The paper taps layers 8/16/24 of CLIP ViT-L/14. Patch tokens of each
    chosen hidden state become a ``(C, h, w)`` map; leading class (or
    register) tokens are dropped.

    Args:
        model_path (str): local directory of the model (``config.json`` and
            weights). Nothing is downloaded: the load is ``local_files_only``.
        layers (sequence[int]): indices into ``hidden_states`` (0 = the
            embeddings, i = after block i; negative counts from the end).
        from_config (bool): build from ``config.json`` with random weights
            instead of loading weights (tests, training from scratch).
        frozen (bool): freeze the whole tower (kept in eval mode). Not
            frozen, the parameters the chosen layers do not use (e.g. the
            final norm) are frozen at build time.
        probe_size (int, optional): side of the dummy input used at build
            time; defaults to the model config's ``image_size``.
        gradient_checkpointing (bool): recompute the tower's activations in
            the backward pass (Hugging Face's
            ``gradient_checkpointing_enable``) when it trains.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, model_path, layers=(-1, ), from_config=False,
                 frozen=False, probe_size=None, gradient_checkpointing=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        from transformers import AutoConfig, AutoModel
        config = AutoConfig.from_pretrained(model_path, local_files_only=True)
        vision_config = getattr(config, 'vision_config', None)
        if from_config:
            model = AutoModel.from_config(config)
        else:
            model = AutoModel.from_pretrained(model_path,
                                              local_files_only=True)
        if gradient_checkpointing:
            model.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs=dict(use_reentrant=False))
        # A two-tower model (CLIPModel, SiglipModel): keep the vision tower.
        self.model = getattr(model, 'vision_model', model)
        cfg = vision_config or config
        self.layers = tuple(layers)
        n_states = cfg.num_hidden_layers + 1
        for layer in self.layers:
            check_level(layer, n_states, 'encoder.layers',
                        'hidden states (0 = embeddings)')
        self.patch_size = getattr(cfg, 'patch_size', None)
        self._interp = 'interpolate_pos_encoding' in inspect.signature(
            self.model.forward).parameters
        self.frozen = frozen
        if frozen:
            for p in self.model.parameters():
                p.requires_grad_(False)
            self.model.eval()
        size = probe_size or getattr(cfg, 'image_size', 224)
        if frozen:
            with torch.no_grad():
                feats = self(torch.zeros(1, 2, 3, size, size))
        else:  # e.g. the final norm after the chosen layers
            feats = freeze_unused(self, self.model, size)
        self.out_channels = tuple(f.shape[2] for f in feats)

    def train(self, mode=True):
        super().train(mode)
        if self.frozen:
            self.model.eval()
        return self

    def _grid(self, height, width, n_tokens):
        """Patch grid ``(h, w)``; tokens before the grid are class/register
        tokens."""
        if self.patch_size:
            h, w = height // self.patch_size, width // self.patch_size
        else:  # no patch size in the config: assume a square grid
            h = w = int(math.sqrt(n_tokens))
        if h * w > n_tokens:
            raise ValueError(f'encoder: {n_tokens} tokens can not hold a '
                             f'{h}x{w} patch grid')
        return h, w

    def forward(self, images):
        b, _, _, height, width = images.shape
        kwargs = dict(output_hidden_states=True, return_dict=True)
        if self._interp:
            kwargs['interpolate_pos_encoding'] = True
        out = self.model(pixel_values=images.flatten(0, 1), **kwargs)
        feats = []
        for layer in self.layers:
            tokens = out.hidden_states[layer]
            if tokens.dim() == 4:  # convolutional models give maps already
                feats.append(tokens.unflatten(0, (b, 2)))
                continue
            n = tokens.shape[1]
            h, w = self._grid(height, width, n)
            patches = tokens[:, n - h * w:]
            fmap = patches.transpose(1, 2).reshape(-1, tokens.shape[2], h, w)
            feats.append(fmap.unflatten(0, (b, 2)))
        return tuple(feats)

"""Entry point of the onediff-models plugin: registers its components."""
import importlib

from onediff_kit.hookspecs import hookimpl

# One model family per module; importing runs their register_module().
MODULES = (
    'onediff_models.encoders.mmpretrain_encoder',
    'onediff_models.encoders.hf_vision_encoder',
    'onediff_models.deltas.visual_delta_module',
    'onediff_models.deltas.subtract_delta',
    'onediff_models.deltas.concat_delta',
    'onediff_models.deltas.cross_transformer_delta',
    'onediff_models.deltas.no_delta',
    'onediff_models.projectors.mlp_projector',
    'onediff_models.heads.change_attribute_head',
    'onediff_models.decoders.transformer_caption_decoder',
    'onediff_models.decoders.hf_causal_lm_decoder',
)


@hookimpl
def onediff_register_components(registries):
    for name in MODULES:
        importlib.import_module(name)

"""Entry point of the onediff-data plugin: registers its components."""
from onediff_kit.hookspecs import hookimpl


@hookimpl
def onediff_register_components(registries):
    # Importing the modules runs their @registries.X.register_module()
    # decorators: datasets, samplers, pair transforms, benchmark importers
    # the synthetic generator and the Blender renderer.
    from onediff_data import (clevr_render, datasets,  # noqa: F401
                              importers, samplers, synth, transforms)

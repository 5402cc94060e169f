"""Entry point of the onediff-data plugin: registers its components."""
from onediff_kit.hookspecs import hookimpl


@hookimpl
def onediff_register_components(registries):
    # Importing the modules runs their @registries.X.register_module()
    # decorators: datasets, samplers, pair transforms, benchmark importers
    # and the synthetic generator.
    from onediff_data import (datasets, importers, samplers,  # noqa: F401
                              synth, transforms)

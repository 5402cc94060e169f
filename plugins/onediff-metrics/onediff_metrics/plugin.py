"""Entry point of the onediff-metrics plugin: registers its components."""
from onediff_kit.hookspecs import hookimpl


@hookimpl
def onediff_register_components(registries):
    # Importing the modules runs their @registries.X.register_module()
    # decorators.
    from . import (caption_metric, pointing_metric,  # noqa: F401
                   semantic_metric)

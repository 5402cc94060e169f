"""The plugin's entry point: ``onediff_kit.plugins`` -> this module."""
from onediff_kit.hookspecs import hookimpl


@hookimpl
def onediff_register_components(registries):
    from onediff_plugin_example.example_delta import ExampleDelta
    registries.MODELS.register_module(module=ExampleDelta)

"""Template onediff_kit plugin: copy it, rename it, replace ExampleDelta."""
__version__ = '0.1.0'

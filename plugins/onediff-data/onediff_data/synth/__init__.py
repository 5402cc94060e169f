"""The synthetic CLEVR-like difference generator (the default data)."""
from .generator import SynthDiffGenerator
from .scene import derive_change, make_change

__all__ = ['SynthDiffGenerator', 'derive_change', 'make_change']

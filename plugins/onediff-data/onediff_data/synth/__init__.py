"""The synthetic CLEVR-like difference generator (the default data)."""
from . import vocabulary
from .generator import SynthDiffGenerator
from .scene import derive_change, make_change

__all__ = ['vocabulary', 'SynthDiffGenerator', 'derive_change',
           'make_change']

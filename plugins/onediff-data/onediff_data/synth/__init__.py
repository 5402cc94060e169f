"""The synthetic CLEVR-like difference generator (the default data)."""
from . import vocabulary
from .clevr_change_generator import ClevrChangeSynthGenerator
from .generator import SynthDiffGenerator
from .scene import derive_change, make_change

__all__ = ['vocabulary', 'ClevrChangeSynthGenerator', 'SynthDiffGenerator', 'derive_change',
           'make_change']

"""The synthetic CLEVR-like difference generator (the default data)."""
from .clevr_change_generator import ClevrChangeSynthGenerator
from .generator import SynthDiffGenerator
from .scene import derive_change, make_change

__all__ = ['ClevrChangeSynthGenerator', 'SynthDiffGenerator', 'derive_change',
           'make_change']

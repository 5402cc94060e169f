"""Benchmark importers: upstream annotations -> manifest records."""
from .base import ImportResult
from .birds_to_words import BirdsToWordsImporter
from .clevr_change import ClevrChangeImporter
from .clevr_dc import ClevrDCImporter
from .image_editing_request import ImageEditingRequestImporter
from .spot_the_diff import SpotTheDiffImporter

__all__ = [
    'ImportResult', 'BirdsToWordsImporter', 'ClevrChangeImporter',
    'ClevrDCImporter', 'ImageEditingRequestImporter', 'SpotTheDiffImporter'
]

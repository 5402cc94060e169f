"""Fixtures of the data tests: one small synthetic set per session."""
import pytest

from onediff_kit.registry import GENERATORS

SYNTH_NUM = 60
SYNTH_SEED = 7
SYNTH_SIZE = 64


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory):
    """A small synthetic data set (60 pairs, 64 px), made once."""
    root = tmp_path_factory.mktemp('synth')
    gen = GENERATORS.build(
        dict(type='SynthDiffGenerator', size=SYNTH_SIZE, workers=1))
    gen.generate(root, SYNTH_NUM, seed=SYNTH_SEED, progress=False)
    return root

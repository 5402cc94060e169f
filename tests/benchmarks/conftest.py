"""One small synthetic image set shared by every benchmark miniature."""
import pytest

from onediff_kit.registry import GENERATORS


@pytest.fixture(scope='session')
def benchmark_images(tmp_path_factory):
    """48 generated pairs at 64 px (8 of each change type), made once."""
    root = tmp_path_factory.mktemp('benchmark_images')
    gen = GENERATORS.build(
        dict(type='SynthDiffGenerator', size=64, real_fraction=0.0,
             workers=1))
    gen.generate(root, 48, seed=3, progress=False)
    return root

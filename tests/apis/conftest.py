"""A tiny trained OneDiff checkpoint, built once for the API tests."""
import numpy as np
import pytest
from PIL import Image

from .tiny_captioner import build_tiny


@pytest.fixture(scope='session')
def tiny(tmp_path_factory):
    """``config``, ``checkpoint``, ``manifest`` and ``data`` of a tiny model
    trained for a few steps on 24 synthetic 64 px pairs."""
    return build_tiny(tmp_path_factory.mktemp('tiny_onediff'))


@pytest.fixture(scope='session')
def captioner(tiny):
    from onediff_kit.apis import DiffCaptioner
    return DiffCaptioner(tiny['config'], tiny['checkpoint'], device='cpu')


@pytest.fixture(scope='session')
def image_files(tmp_path_factory):
    """A JPEG and a PNG of different sizes, plus grey, RGBA and palette PNGs.
    """
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    paths = dict(jpeg=folder / 'before.jpg', png=folder / 'after.png',
                 grey=folder / 'grey.png', rgba=folder / 'rgba.png',
                 palette=folder / 'palette.png')
    Image.fromarray(rgb).save(paths['jpeg'], quality=90)
    Image.fromarray(rgb[:70, :50]).save(paths['png'])
    Image.fromarray(rgb[..., 0]).save(paths['grey'])
    Image.fromarray(np.dstack([rgb, rgb[..., :1]]), 'RGBA').save(paths['rgba'])
    Image.fromarray(rgb).convert('P', palette=Image.ADAPTIVE).save(
        paths['palette'])
    return {k: str(v) for k, v in paths.items()}

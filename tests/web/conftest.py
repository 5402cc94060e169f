"""A tiny trained captioner and image files for the ``onediff serve`` tests.
"""
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

# The API tests' tiny trained model (``tiny``) and its captioner.
from tests.apis.conftest import captioner, tiny  # noqa: F401


@pytest.fixture(scope='session')
def pair(tiny):
    """A synthetic before/after pair of the tiny model's data."""
    images = tiny['data'] / 'images'
    return (str(images / 'synth_000002_before.png'),
            str(images / 'synth_000002_after.png'))


def _png_header_only(path, width, height):
    """A PNG whose header claims ``width`` x ``height`` RGB pixels and that
    holds almost no data: what a decompression bomb looks like to a reader
    that trusts the header."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data)))
    ihdr = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
                     chunk(b'IDAT', zlib.compress(b'\0' * 16)) +
                     chunk(b'IEND', b''))


@pytest.fixture(scope='session')
def bad_files(tmp_path_factory):
    """``text`` (a text file named .png), ``bomb`` (a 10,000 x 10,000 PNG
    header: above our limit of 67,108,864 pixels, below Pillow's own),
    ``big_bomb`` (20,000 x 20,000: above Pillow's 178,956,970 too, so
    Pillow refuses it first), ``grey_small`` (a 50 x 40 grey PNG, unlike
    the RGB pairs)."""
    folder = tmp_path_factory.mktemp('bad_images')
    text = folder / 'notes.png'
    text.write_text('this is not an image\n')
    bomb = folder / 'bomb.png'
    _png_header_only(bomb, 10000, 10000)
    big_bomb = folder / 'big_bomb.png'
    _png_header_only(big_bomb, 20000, 20000)
    grey = folder / 'grey_small.png'
    Image.fromarray(np.random.default_rng(0).integers(
        0, 256, (40, 50), dtype=np.uint8)).save(grey)
    return dict(text=str(text), bomb=str(bomb), big_bomb=str(big_bomb),
                grey_small=str(grey))

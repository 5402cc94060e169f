import pytest
import torch

from model_helpers import CAPTIONS, make_pairs, make_samples, tiny_model
from onediff_kit.registry import MODELS

# Scene truth as the synthetic generator writes it.
TRUTH = [
    ('color', dict(changed_object=dict(size='small', color='cyan',
                                       material='metal', shape='cube'),
                   new='green')),
    ('add', dict(changed_object=dict(size='large', color='red',
                                     material='rubber', shape='sphere'))),
    ('none', dict()),
    (None, None),  # a real-photo pair: no truth at all
]


def samples_with_truth():
    samples = make_samples(CAPTIONS[:len(TRUTH)])
    for sample, (change_type, meta) in zip(samples, TRUTH):
        if change_type is not None:
            sample.set_metainfo(dict(change_type=change_type, meta=meta))
    return samples


def build_head(**kwargs):
    return MODELS.build(dict(type='ChangeAttributeHead', in_channels=16,
                             **kwargs))


def test_labels_come_from_scene_truth_and_skip_missing():
    head = build_head()
    labels = head.labels(samples_with_truth())
    assert labels['change_type'].tolist() == [0, 2, 5, -100]
    # COLORS order: gray red blue green brown purple cyan yellow
    assert labels['color'].tolist() == [6, 1, -100, -100]
    assert labels['shape'].tolist() == [0, 1, -100, -100]
    assert labels['new'].tolist() == [3, -100, -100, -100]


def test_loss_learns_the_truth_and_ignores_unknown():
    torch.manual_seed(0)
    head = build_head(targets=('change_type', 'color'), loss_weight=2.0)
    samples = samples_with_truth()
    tokens = torch.randn(4, 3, 16)
    losses = head.loss(tokens, samples)
    assert set(losses) == {'loss_aux_change_type', 'acc_aux_change_type',
                           'loss_aux_color', 'acc_aux_color'}
    first = losses['loss_aux_color'].item()
    optim = torch.optim.SGD(head.parameters(), lr=0.5)
    for _ in range(50):
        optim.zero_grad()
        losses = head.loss(tokens, samples)
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optim.step()
    assert losses['loss_aux_color'].item() < first / 5
    assert losses['acc_aux_color'].item() == 1.0


def test_batch_without_truth_gives_zero_loss_with_graph():
    head = build_head(targets=('new', ))
    losses = head.loss(torch.randn(2, 3, 16, requires_grad=True),
                       make_samples(CAPTIONS[:2]))
    assert losses['loss_aux_new'].item() == 0.0
    assert 'acc_aux_new' not in losses
    losses['loss_aux_new'].backward()


def test_bad_target_and_no_tokens_are_named():
    with pytest.raises(KeyError, match='unknown targets'):
        build_head(targets=('colour', ))
    with pytest.raises(ValueError, match='delta_head=None'):
        build_head()(torch.zeros(2, 0, 16))


def test_onediff_adds_head_losses_in_training_only():
    model = MODELS.build(tiny_model(delta_head=dict(
        type='ChangeAttributeHead', targets=('change_type', 'color'))))
    data = model.data_preprocessor(
        dict(inputs=make_pairs(4), data_samples=samples_with_truth()), True)
    losses = model(**data, mode='loss')
    assert {'loss_caption', 'loss_aux_change_type',
            'loss_aux_color'} <= set(losses)
    total, _ = model.parse_losses(losses)
    total.backward()
    assert model.delta_head.queries.grad is not None
    assert model.delta.delta_tokens.grad.abs().sum() > 0
    parts = [row[0] for row in model.parameter_table()]
    assert parts[-1] == 'delta_head'
    model.eval()
    out = model(**data, mode='predict')
    assert all(isinstance(s.pred_caption, str) for s in out)

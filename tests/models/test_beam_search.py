"""Greedy and beam search on a toy Markov model with a known answer."""

import torch

from onediff_models.decoders.beam_search import beam_search, greedy_search

EOS, PAD = 0, 3


def markov(table):
    """step() over a fixed next-token table; the state is the last token."""
    logp = torch.tensor(table).log()

    def step(token, state):
        return logp[token[:, 0]], token[:, 0]

    def reorder(state, index):
        return state[index]

    return step, reorder, logp


# Tokens: 0 = EOS, 1 = a, 2 = b. From the start, "a" is likelier (0.6) but
# then only leads to low-probability paths; "b" then EOS wins overall.
TABLE = [
    [1.0, 1e-9, 1e-9],  # after EOS (unused)
    [0.3, 0.3, 0.4],  # after a
    [0.9, 0.05, 0.05],  # after b
]
FIRST = [1e-9, 0.6, 0.4]


def run(search, **kw):
    step, reorder, logp = markov(TABLE)
    first = torch.tensor([FIRST, FIRST]).log()
    state = torch.tensor([1, 1])  # unused before the first step
    if search is beam_search:
        kw['reorder'] = reorder  # greedy search keeps every row in place
    return search(step, state=state, first_log_probs=first, max_length=4,
                  eos_id=EOS, pad_id=PAD, **kw)


def test_greedy_takes_locally_best():
    out = run(greedy_search)
    assert out[0].tolist()[:2] == [1, 2]  # a, then b


def test_beam_finds_global_best():
    out = run(beam_search, num_beams=3, length_penalty=0.0)
    # p(b, EOS) = 0.36 > p(a, EOS) = 0.18 > any longer sequence.
    assert out.tolist() == [[2, EOS], [2, EOS]]


def test_length_penalty_prefers_longer():
    # With a strong length penalty the normalised score of a longer
    # sequence wins: check the search honours the normalisation.
    short = run(beam_search, num_beams=3, length_penalty=0.0)
    long = run(beam_search, num_beams=3, length_penalty=5.0)
    assert (long[0] != PAD).sum() > (short[0] != PAD).sum()


def test_beam_of_one_equals_greedy():
    step, reorder, _ = markov(TABLE)
    first = torch.tensor([[1e-9, 0.3, 0.7]]).log()
    g = greedy_search(step, torch.tensor([1]), first, 5, EOS, PAD)
    b = beam_search(step, reorder, torch.tensor([1]), first, 5, EOS, PAD,
                    num_beams=1)
    assert g.tolist() == b.tolist()


def test_beam_returns_every_finished_hypothesis_best_first():
    out, hyps = run(beam_search, num_beams=3, length_penalty=0.0,
                    return_hypotheses=True)
    assert len(hyps) == 2 and len(hyps[0]) == 3
    scores = [score for score, _ in hyps[0]]
    assert scores == sorted(scores, reverse=True)
    # p(b, EOS) = 0.36, then p(a, b, EOS) = 0.216; the first is the output.
    assert hyps[0][0][1] == out[0].tolist() == [2, EOS]
    assert hyps[0][1][1] == [1, 2, EOS]
    assert abs(hyps[0][0][0] - torch.tensor(0.36).log().item()) < 1e-5
    assert abs(hyps[0][1][0] - torch.tensor(0.216).log().item()) < 1e-5

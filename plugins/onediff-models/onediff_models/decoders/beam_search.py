"""Batched greedy and beam search over any step function with a cache.

A decoder supplies ``step(tokens, state) -> (log_probs, state)``: ``tokens``
is ``(N, 1)`` (the newest token of each running sequence), ``log_probs`` is
``(N, V)`` and ``state`` whatever the decoder keeps between steps (e.g. a
key/value cache); ``reorder(state, index)`` selects rows of the state (beams
that survive, or the initial expansion to beams).
"""
import torch


def greedy_search(step, state, first_log_probs, max_length, eos_id, pad_id):
    """Greedy decoding of a batch.

    Args:
        step (callable): see module docstring.
        state: the decoder state after the prompt (batch ``B``).
        first_log_probs (Tensor): ``(B, V)`` log-probabilities of the first
            generated token.
        max_length (int): most tokens to generate (EOS included).
        eos_id (int): end-of-sequence id.
        pad_id (int): id written after a sequence has ended.

    Returns:
        Tensor: ``(B, T)`` generated ids, ``T <= max_length``; EOS is kept
        and followed by ``pad_id``.
    """
    log_probs = first_log_probs
    done = torch.zeros(log_probs.shape[0], dtype=torch.bool,
                       device=log_probs.device)
    out = []
    for t in range(max_length):
        token = log_probs.argmax(dim=-1)
        token = token.masked_fill(done, pad_id)
        out.append(token)
        done = done | (token == eos_id)
        if done.all() or t == max_length - 1:
            break
        log_probs, state = step(token[:, None], state)
    return torch.stack(out, dim=1)


def beam_search(step, reorder, state, first_log_probs, max_length, eos_id,
                pad_id, num_beams=3, length_penalty=1.0,
                return_hypotheses=False):
    """Batched beam search.

    A finished hypothesis scores ``sum(log p) / len ** length_penalty``
    (``len`` counts EOS). Search stops for a batch element once it holds
    ``num_beams`` finished hypotheses and no live beam can beat the worst
    of them, or at ``max_length``, where live beams are finished as they are.

    Args:
        step, state, first_log_probs, max_length, eos_id, pad_id: as for
            :func:`greedy_search`; ``state`` has batch ``B`` and is
            expanded to ``B * num_beams`` here.
        reorder (callable): see module docstring.
        num_beams (int): beam width.
        length_penalty (float): exponent of the length normalisation;
            > 1 favours longer captions, < 1 shorter ones.
        return_hypotheses (bool): also return every finished hypothesis.

    Returns:
        Tensor | tuple: ``(B, T)`` best hypothesis per element, EOS then
        ``pad_id``; with ``return_hypotheses``, also a list (per element)
        of up to ``num_beams`` ``(score, token ids)``, best first, whose
        first entry is the returned hypothesis.
    """
    batch, vocab = first_log_probs.shape
    k = num_beams
    device = first_log_probs.device
    expand = torch.arange(batch, device=device).repeat_interleave(k)
    state = reorder(state, expand)
    log_probs = first_log_probs[expand]
    # Only the first beam of each element is live at the start.
    scores = torch.full((batch, k), float('-inf'), device=device)
    scores[:, 0] = 0.0
    seqs = torch.zeros(batch * k, 0, dtype=torch.long, device=device)
    finished = [[] for _ in range(batch)]  # (score, token list)
    done = [False] * batch

    def norm(score, length):
        return score / (length ** length_penalty)

    for t in range(max_length):
        cand = (scores.view(-1, 1) + log_probs).view(batch, k * vocab)
        top_scores, top_idx = cand.topk(2 * k, dim=1)
        top_beam = top_idx // vocab
        top_tok = top_idx % vocab
        next_scores = torch.full((batch, k), float('-inf'), device=device)
        next_beam = torch.zeros(batch, k, dtype=torch.long, device=device)
        # Dead slots (score -inf) carry EOS: a valid id for any decoder.
        next_tok = torch.full((batch, k), eos_id, dtype=torch.long,
                              device=device)
        top_scores_l = top_scores.tolist()
        top_beam_l = top_beam.tolist()
        top_tok_l = top_tok.tolist()
        for b in range(batch):
            if done[b]:
                continue
            live, done[b] = _advance(
                finished[b], seqs[b * k:(b + 1) * k],
                zip(top_scores_l[b], top_beam_l[b], top_tok_l[b]), k, t,
                eos_id, t == max_length - 1, norm)
            for slot, (score, beam, tok) in enumerate(live):
                next_scores[b, slot] = score
                next_beam[b, slot] = beam
                next_tok[b, slot] = tok
        if all(done) or t == max_length - 1:
            break
        rows = (torch.arange(batch, device=device)[:, None] * k +
                next_beam).view(-1)
        seqs = torch.cat([seqs[rows], next_tok.view(-1, 1)], dim=1)
        scores = next_scores
        state = reorder(state, rows)
        log_probs, state = step(next_tok.view(-1, 1), state)

    out = _pad_best(finished, seqs, k, pad_id)
    return (out, finished) if return_hypotheses else out


def _advance(finished, seqs, ranked, k, t, eos_id, last, norm):
    """One step of one batch element's beam search.

    Args:
        finished (list): the element's finished ``(score, tokens)``; the
            candidates that end here are added, best ``k`` kept, sorted.
        seqs (Tensor): ``(k, t)`` the element's live sequences so far.
        ranked (iterable): the ``2k`` best ``(score, beam, token)``
            candidates, best first.
        k (int): beam width.
        t (int): the step (0-based).
        eos_id (int): end-of-sequence id.
        last (bool): the last step: every candidate finishes.
        norm (callable): ``norm(score, length)`` length normalisation.

    Returns:
        tuple: ``(live, done)``: up to ``k`` live ``(score, beam, token)``
        and whether the element's search is over.
    """
    live = []
    for rank, (score, beam, tok) in enumerate(ranked):
        if score == float('-inf'):
            break
        if tok == eos_id or last:
            if rank < k:
                finished.append((norm(score, t + 1),
                                 seqs[beam].tolist() + [tok]))
            continue
        live.append((score, beam, tok))
        if len(live) == k:
            break
    finished.sort(key=lambda x: -x[0])
    del finished[k:]
    if not live:
        return live, True
    # Scores only fall with length, so a live beam can at best keep its
    # score at the current length (for length_penalty >= 0).
    best_live = max(score for score, _, _ in live)
    return live, (len(finished) >= k and
                  norm(best_live, t + 1) <= finished[-1][0])


def _pad_best(finished, seqs, k, pad_id):
    """``(B, T)`` best finished hypothesis per element, then ``pad_id``."""
    best = []
    for b, found in enumerate(finished):
        if not found:  # can not happen with max_length >= 1
            found.append((float('-inf'), seqs[b * k].tolist()))
        found.sort(key=lambda x: -x[0])
        best.append(found[0][1])
    length = max(len(x) for x in best)
    out = torch.full((len(best), length), pad_id, dtype=torch.long,
                     device=seqs.device)
    for b, tokens in enumerate(best):
        out[b, :len(tokens)] = torch.tensor(tokens, device=seqs.device)
    return out

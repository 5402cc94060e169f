import pytest
import torch

from onediff_kit.registry import MODELS

from model_helpers import CAPTIONS, PROMPT, make_samples, tiny_decoder
from onediff_kit.config_check import ConfigError
from onediff_kit.data.vocab import write_vocab


def prefix(b, t=6, d=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, t, d, generator=g, requires_grad=True)


def test_vocabulary_from_file(manifest, vocab_file, samples, tmp_path):
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file))
    tok = dec.tokenizer
    assert dec.component_kind == 'decoder'
    assert tok.unk_id not in tok.encode(CAPTIONS[0])
    assert tok.unk_id not in tok.encode(PROMPT)
    assert tok.decode(tok.encode(CAPTIONS[0]) + [tok.eos_id, 5]) == \
        'the red cube moved to the left.'
    # A small vocab_size keeps the most frequent words; the rest are [UNK].
    small_file = tmp_path / 'small.json'
    write_vocab(small_file, [manifest], vocab_size=8)
    small = MODELS.build(tiny_decoder(vocab_file=str(small_file),
                                      vocab_size=8))
    assert len(small.tokenizer) == 8
    assert small.tokenizer.unk_id in small.tokenizer.encode(CAPTIONS[0])
    # A vocabulary file or a checkpoint's tokenizer larger than the
    # embedding table is refused.
    with pytest.raises(ValueError, match=r'vocab\.json has \d+ tokens but '
                       r'decoder\.vocab_size=8.*--vocab-size 8'):
        MODELS.build(tiny_decoder(vocab_file=vocab_file, vocab_size=8))
    with pytest.raises(ValueError, match='vocab_size'):
        small.set_extra_state(dec.get_extra_state())


def test_loss_backward(vocab_file, samples):
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file))
    p = prefix(len(samples))
    loss = dec.loss(p, samples)['loss']
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert p.grad.abs().sum() > 0
    assert all(q.grad is not None for q in dec.parameters())


def test_keyword_weight_is_a_weighted_mean(vocab_file, samples):
    """Per caption the loss is (sum of plain-word losses + w * sum of keyword
    losses) / (plain words + w * keywords): two weights fix both sums, a
    third must follow; a batch is the captions' mean weighted by their
    token counts, whatever w."""
    from onediff_models.decoders.transformer_caption_decoder import \
        scene_words

    def loss(w, batch, keywords='scene'):
        torch.manual_seed(0)
        dec = MODELS.build(tiny_decoder(vocab_file=vocab_file,
                                        keywords=keywords, keyword_weight=w))
        p = prefix(len(samples)).detach()[[samples.index(s) for s in batch]]
        return dec.loss(p, batch)['loss'].item(), dec.tokenizer

    words = set(scene_words())
    assert {'metallic', 'ball', 'grey', 'small'} <= words
    tested, tokens, singles = 0, [], []
    for sample in samples:
        caption = sample.metainfo['gt_caption']
        losses = {w: loss(w, [sample])[0] for w in (1.0, 2.0, 5.0)}
        tok = loss(1.0, [sample])[1]
        n = len(tok.encode(caption)) + 1  # the caption's tokens and EOS
        keys = sum(w in words for w in tok.words(caption))
        tokens.append(n)
        singles.append(losses[5.0])
        if not 0 < keys < n:
            continue
        tested += 1
        plain = n - keys
        key_sum = losses[2.0] * (plain + 2 * keys) - losses[1.0] * n
        plain_sum = losses[1.0] * n - key_sum
        expected = (plain_sum + 5 * key_sum) / (plain + 5 * keys)
        assert losses[5.0] == pytest.approx(expected, rel=1e-4)
        assert losses[5.0] != pytest.approx(losses[1.0], rel=1e-3)
    assert tested >= 2
    batch = sum(n * x for n, x in zip(tokens, singles)) / sum(tokens)
    assert loss(5.0, samples)[0] == pytest.approx(batch, rel=1e-4)
    # Words the vocabulary lacks change nothing.
    assert loss(5.0, samples, ['zebra'])[0] == pytest.approx(
        loss(1.0, samples)[0], rel=1e-6)
    for bad, match in ((dict(keyword_weight=0.0), 'keyword_weight'),
                       (dict(keyword_weight='4'), 'keyword_weight'),
                       (dict(keywords='colours'), 'keywords'),
                       (dict(keywords=['red', 3]), 'keywords')):
        with pytest.raises(ValueError, match=match):
            MODELS.build(tiny_decoder(vocab_file=vocab_file, **bad))


def test_missing_vocabulary_is_clear(tmp_path, samples):
    absent = str(tmp_path / 'absent.json')
    for vocab_file, state in ((absent, f'{absent} not found'),
                              (None, 'is not set')):
        # Building waits for a checkpoint's tokenizer; training refuses.
        dec = MODELS.build(tiny_decoder(vocab_file=vocab_file))
        assert len(dec.tokenizer) == 4
        with pytest.raises(ConfigError) as err:
            dec.loss(prefix(len(samples)), samples)
        message = str(err.value)
        assert 'no vocabulary' in message
        assert f'decoder.vocab_file {state}' in message
        assert 'onediff data vocab' in message
    bad = tmp_path / 'bad.json'
    bad.write_text('{"not": "a tokenizer"}')
    with pytest.raises(ConfigError, match=r'decoder\.vocab_file: .*bad\.json: '
                       'not a word vocab'):
        MODELS.build(tiny_decoder(vocab_file=str(bad)))


def _fit(dec, samples, steps=60, lr=3e-3):
    """Overfit a few captions so generation has something to say."""
    torch.manual_seed(0)
    p = prefix(len(samples)).detach()
    opt = torch.optim.Adam(dec.parameters(), lr=lr)
    for _ in range(steps):
        loss = dec.loss(p, samples)['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    return p, loss.item()


@pytest.mark.parametrize('num_beams', [1, 3])
def test_cached_equals_uncached(vocab_file, num_beams):
    samples = make_samples()
    # Prompts of different lengths exercise the left padding.
    samples[1].set_metainfo(dict(prompt='describe'))
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file)).eval()
    p = prefix(len(samples)).detach()
    for trained in (False, True):
        if trained:
            dec.train()
            p, _ = _fit(dec, samples, steps=10)
            dec.eval()
        cached = dec.generate(p, samples, num_beams=num_beams,
                              use_cache=True)
        full = dec.generate(p, samples, num_beams=num_beams,
                            use_cache=False)
        assert torch.equal(cached, full)


def test_overfit_then_caption(vocab_file):
    samples = make_samples()
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file,
                                    num_beams=2))
    p, loss = _fit(dec, samples, steps=30, lr=1e-2)
    dec.eval()
    assert loss < 0.5
    out = dec.predict(p, samples)
    assert out.captions == [c.replace(' .', '.') for c in CAPTIONS]
    # Beam search lists every finished beam, best first = the caption.
    assert [b[0][0] for b in out.beams] == out.captions
    assert all(len(b) == 2 and b[0][1] >= b[1][1] for b in out.beams)


def test_decoding_options_are_arguments(vocab_file):
    samples = make_samples()
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file, num_beams=2,
                                    max_length=12))
    p, _ = _fit(dec, samples, steps=30, lr=1e-2)
    dec.eval()
    greedy = dec.predict(p, samples, num_beams=1)
    assert greedy.beams is None  # greedy search lists no alternatives
    short = dec.predict(p, samples, max_length=2)
    assert all(len(c.split()) <= 2 for c in short.captions)
    # Nothing was overwritten, not even for the call.
    assert (dec.num_beams, dec.max_length) == (2, 12)
    assert dec.predict(p, samples).captions == \
        dec.predict(p, samples, num_beams=2, max_length=12).captions


@pytest.mark.parametrize('caption_time_file', [None, 'gone.json'])
def test_tokenizer_travels_in_state_dict(vocab_file, tmp_path,
                                         caption_time_file):
    samples = make_samples()
    dec = MODELS.build(tiny_decoder(vocab_file=vocab_file))
    p, _ = _fit(dec, samples, steps=20)
    dec.eval()
    path = tmp_path / 'dec.pth'
    torch.save(dec.state_dict(), path)
    state = torch.load(path, weights_only=True)
    # At caption time there is no vocabulary file (None, or a path that is
    # not on this machine): the tokenizer comes from the checkpoint.
    if caption_time_file:
        caption_time_file = str(tmp_path / caption_time_file)
    fresh = MODELS.build(tiny_decoder(vocab_file=caption_time_file)).eval()
    assert len(fresh.tokenizer) == 4
    fresh.load_state_dict(state)
    assert len(fresh.tokenizer) == len(dec.tokenizer)
    assert fresh.predict(p, samples).captions == \
        dec.predict(p, samples).captions


def test_hf_causal_lm_decoder(tiny_lm_dir):
    samples = make_samples()[:3]
    dec = MODELS.build(dict(type='HFCausalLMDecoder',
                            model_path=tiny_lm_dir,
                            prompt_template='user {prompt} assistant',
                            max_length=6, num_beams=2))
    assert dec.embed_dims == 32
    p = prefix(3)
    loss = dec.loss(p, samples)['loss']
    loss.backward()
    assert torch.isfinite(loss) and p.grad.abs().sum() > 0
    samples[0].set_metainfo(dict(prompt='describe'))
    out = dec.predict(p.detach(), samples)
    captions = out.captions
    assert len(captions) == 3 and all(isinstance(c, str) for c in captions)
    assert out.beams is None
    assert len(dec.predict(p.detach(), samples, num_beams=1,
                           max_length=2).captions) == 3
    assert (dec.num_beams, dec.max_length) == (2, 6)
    ids = dec.generate(p.detach(), samples, num_beams=1)
    assert ids.shape[0] == 3 and ids.shape[1] <= 6

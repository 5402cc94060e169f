"""Small GPT-style caption decoder trained from scratch."""
import os.path as osp

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log

from onediff_kit.config_check import ConfigError
from onediff_kit.contracts import BaseDecoder, DecoderOutput
from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.data.word_tokenizer import WordTokenizer
from onediff_kit.models.attention import MultiheadAttention
from onediff_kit.registry import MODELS
from onediff_models.decoders.beam_search import beam_search, greedy_search

# What makes the file a decoder.vocab_file names.
VOCAB_COMMAND = ('onediff data vocab MANIFEST --out {path} (the train '
                 'captions; `onediff data synth` and `onediff data import` '
                 'write DATA_ROOT/vocab.json)')


def scene_words():
    """Every word a caption may give an object's size, colour, material
    or shape in (the scene vocabulary, synonyms included)."""
    vocab = load_scene_vocabulary()
    values = (*vocab.sizes, *vocab.colors, *vocab.materials, *vocab.shapes)
    return sorted({w for v in values for w in (v, *vocab.synonyms.get(v, ()))})


class DecoderBlock(nn.Module):
    """Pre-norm causal self-attention and MLP (nanoGPT)."""

    def __init__(self, embed_dims, num_heads, ffn_dims, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(embed_dims)
        self.attn = MultiheadAttention(embed_dims, num_heads, dropout=dropout)
        self.ln2 = nn.LayerNorm(embed_dims)
        self.mlp = nn.Sequential(
            nn.Linear(embed_dims, ffn_dims), nn.GELU(),
            nn.Linear(ffn_dims, embed_dims), nn.Dropout(dropout))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, mask, is_causal, cache=None):
        out, _, cache = self.attn(self.ln1(x), mask=mask, is_causal=is_causal,
                                  cache=cache)
        x = x + self.drop(out)
        return x + self.mlp(self.ln2(x)), cache


@MODELS.register_module()
class TransformerCaptionDecoder(BaseDecoder):
    """Decoder-only transformer over ``[visual prefix; prompt; caption]``.

    The word-level tokenizer is read from ``vocab_file`` (written by
    ``onediff data vocab``; building reads no manifest) and saved in the
    state dict (``get_extra_state``: the tokenizer JSON as a plain string),
    so a checkpoint alone can caption. Without the file (``vocab_file=None``
    or a path that does not exist here, e.g. at caption time) the decoder
    starts with the special tokens only and a loaded checkpoint brings the
    tokenizer; training such a decoder fails at the first loss, naming
    ``decoder.vocab_file``.

    Args:
        vocab_size (int): embedding rows; the tokenizer may not be larger.
        embed_dims (int): width.
        num_layers (int): transformer blocks.
        num_heads (int): attention heads.
        ffn_dims (int): MLP hidden width.
        dropout (float): dropout.
        max_positions (int): longest prefix + prompt + caption.
        vocab_file (str, optional): the word vocabulary (JSON of
            :class:`WordTokenizer`, ``onediff data vocab``); None or a
            missing file: the tokenizer must come from a checkpoint.
        use_prompt (bool): feed the task prompt (``data_sample.prompt``)
            between the visual prefix and the caption.
        max_length (int): most generated tokens (EOS included).
        num_beams (int): 1 = greedy, else beam search.
        length_penalty (float): beam-search length normalisation exponent.
        use_cache (bool): key/value cache during generation.
        label_smoothing (float): cross-entropy label smoothing.
        keywords (str | sequence[str], optional): words whose caption
            tokens weigh ``keyword_weight`` in the loss: a list of words, or
            ``'scene'`` for every attribute word of the scene vocabulary
            (sizes, colours, materials, shapes and their synonyms). A word
            the vocabulary lacks is left out. None: every token alike.
        keyword_weight (float): loss weight of a keyword token against 1 for
            the others within its caption; each caption keeps its share of
            the loss (its token count), so captions without keywords ("no
            change") weigh as before. A decoder trained from scratch learns
            the sentence frame first and names the object last: a few words
            of a caption, they give little of the plain loss.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, vocab_size=512, embed_dims=256, num_layers=3,
                 num_heads=4, ffn_dims=1024, dropout=0.1, max_positions=128,
                 vocab_file=None,
                 use_prompt=True, max_length=24, num_beams=1,
                 length_penalty=1.0, use_cache=True, label_smoothing=0.0,
                 keywords=None, keyword_weight=1.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.vocab_size = vocab_size
        self.embed_dims = embed_dims
        self.max_positions = max_positions
        self.use_prompt = use_prompt
        self.max_length = max_length
        self.num_beams = num_beams
        self.length_penalty = length_penalty
        self.use_cache = use_cache
        self.label_smoothing = label_smoothing
        if not isinstance(keyword_weight, (int, float)) or keyword_weight <= 0:
            raise ValueError(f'decoder.keyword_weight={keyword_weight!r} '
                             'must be a number > 0')
        if keywords == 'scene':
            keywords = scene_words()
        elif keywords is not None and (
                isinstance(keywords, str)
                or not isinstance(keywords, (list, tuple))
                or not all(isinstance(w, str) for w in keywords)):
            raise ValueError(f'decoder.keywords={keywords!r} must be None, '
                             "'scene' or a list of words")
        self.keywords = tuple(keywords or ())
        self.keyword_weight = float(keyword_weight)
        self.vocab_file = vocab_file
        self.tokenizer = self._load_tokenizer(vocab_file)
        self.tok_embed = nn.Embedding(vocab_size, embed_dims)
        self.pos_embed = nn.Embedding(max_positions, embed_dims)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            DecoderBlock(embed_dims, num_heads, ffn_dims, dropout)
            for _ in range(num_layers))
        self.ln_f = nn.LayerNorm(embed_dims)
        nn.init.normal_(self.tok_embed.weight, std=0.02)
        nn.init.normal_(self.pos_embed.weight, std=0.02)

    # ---------------------------------------------------------- tokenizer
    def _load_tokenizer(self, vocab_file):
        if vocab_file is None:
            return WordTokenizer.empty()
        if not osp.isfile(vocab_file):
            print_log(f'decoder.vocab_file {vocab_file} not found: the '
                      'tokenizer must come from a checkpoint (make the file '
                      f'with {VOCAB_COMMAND.format(path=vocab_file)})',
                      logger='current', level=30)
            return WordTokenizer.empty()
        try:
            tokenizer = WordTokenizer.load(vocab_file)
        except ValueError as exc:
            raise ConfigError(f'decoder.vocab_file: {exc}') from None
        self._check_vocab(tokenizer, f'vocabulary file {vocab_file}')
        return tokenizer

    @classmethod
    def caption_tokenizer(cls, vocab_file=None, vocab_size=512, **cfg):
        """The word vocabulary of ``vocab_file``.

        Raises:
            FileNotFoundError: naming ``decoder.vocab_file`` when it is
                unset or missing (the decoder itself would wait for a
                checkpoint's tokenizer).
        """
        if vocab_file is None or not osp.isfile(vocab_file):
            raise FileNotFoundError(
                f'decoder.vocab_file {vocab_file} not found (paths are '
                'relative to the working directory); make it with '
                f'{VOCAB_COMMAND.format(path=vocab_file or "vocab.json")}')
        return WordTokenizer.load(vocab_file)

    def _no_vocabulary(self):
        path = self.vocab_file
        if path is None:
            state = 'decoder.vocab_file is not set'
        elif not osp.isfile(path):
            state = f'decoder.vocab_file {path} not found'
        else:
            state = f'decoder.vocab_file {path} has no word'
        return (f'the decoder has no vocabulary to train with: {state} and '
                'no checkpoint brought a tokenizer; make the file with '
                f'{VOCAB_COMMAND.format(path=path or "vocab.json")}')

    def _check_vocab(self, tokenizer, source='tokenizer'):
        if len(tokenizer) > self.vocab_size:
            raise ConfigError(
                f'{source} has {len(tokenizer)} tokens but '
                f'decoder.vocab_size={self.vocab_size}: raise vocab_size or '
                'build a smaller vocabulary (onediff data vocab --vocab-size '
                f'{self.vocab_size} or --min-freq N)')

    def get_extra_state(self):
        return {'tokenizer': self.tokenizer.to_json()}

    def set_extra_state(self, state):
        tokenizer = WordTokenizer.from_json(state['tokenizer'])
        self._check_vocab(tokenizer, "the checkpoint's tokenizer")
        self.tokenizer = tokenizer

    # ------------------------------------------------------------ network
    def _check_length(self, n):
        if n > self.max_positions:
            raise ValueError(f'sequence of {n} tokens is longer than '
                             f'decoder.max_positions={self.max_positions}')

    def forward_hidden(self, embeds, key_mask, positions, cache=None):
        """Run the blocks.

        Args:
            embeds (Tensor): ``(N, L, D)`` new token embeddings.
            key_mask (Tensor): ``(N, S)`` bool, True for real keys, covering
                cached and new positions (``S = cached + L``).
            positions (Tensor): ``(N, L)`` position ids of the new tokens.
            cache (list, optional): per block ``(k, v)``.

        Returns:
            tuple: ``(hidden (N, L, D), new cache)``.
        """
        x = self.drop(embeds + self.pos_embed(positions))
        mask = key_mask[:, None, None, :]
        # One new token sees every real key; more need a causal mask too.
        is_causal = x.shape[1] > 1
        new_cache = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, mask, is_causal,
                          cache[i] if cache is not None else None)
            new_cache.append(kv)
        return self.ln_f(x), new_cache

    def logits(self, hidden):
        return hidden @ self.tok_embed.weight.t()  # tied embeddings

    def _log_probs(self, hidden):
        """Next-token log-probabilities for generation: only real words and
        EOS (embedding rows past the tokenizer, PAD and BOS are excluded).
        """
        logits = self.logits(hidden)
        banned = torch.zeros(logits.shape[-1], dtype=torch.bool,
                             device=logits.device)
        banned[len(self.tokenizer):] = True
        banned[[self.tokenizer.pad_id, self.tokenizer.bos_id]] = True
        return logits.masked_fill(banned, float('-inf')).log_softmax(-1)

    def _prompt_ids(self, data_samples):
        if not self.use_prompt:
            return [[] for _ in data_samples]
        return [self.tokenizer.encode(s.metainfo.get('prompt', '') or '')
                for s in data_samples]

    # --------------------------------------------------------------- loss
    def loss(self, prefix, data_samples):
        """Teacher-forced cross-entropy on the caption tokens and EOS."""
        if len(self.tokenizer) <= 4:
            raise ConfigError(self._no_vocabulary())
        tok = self.tokenizer
        b, t, _ = prefix.shape
        seqs, starts = [], []
        for prompt, sample in zip(self._prompt_ids(data_samples),
                                  data_samples):
            caption = tok.encode(sample.metainfo['gt_caption'])
            caption = caption[:self.max_length - 1]
            seqs.append(prompt + [tok.bos_id] + caption + [tok.eos_id])
            starts.append(len(prompt) + 1)  # first predicted token
        length = max(len(s) for s in seqs)
        self._check_length(t + length)
        ids = prefix.new_full((b, length), tok.pad_id, dtype=torch.long)
        labels = torch.full_like(ids, -100)
        for i, (seq, start) in enumerate(zip(seqs, starts)):
            ids[i, :len(seq)] = torch.tensor(seq)
            labels[i, start:len(seq)] = torch.tensor(seq[start:])
        key_mask = torch.cat([
            torch.ones(b, t, dtype=torch.bool, device=prefix.device),
            ids != tok.pad_id], dim=1)
        positions = (key_mask.long().cumsum(1) - 1).clamp(min=0)
        embeds = torch.cat([prefix, self.tok_embed(ids)], dim=1)
        hidden, _ = self.forward_hidden(embeds, key_mask, positions)
        # Position t-1+j predicts text token j.
        logits = self.logits(hidden[:, t - 1:-1])
        losses = F.cross_entropy(logits.flatten(0, 1), labels.flatten(),
                                 ignore_index=-100, reduction='none',
                                 label_smoothing=self.label_smoothing)
        weights = self._token_weights(labels).flatten()
        return dict(loss=(losses * weights).sum() / weights.sum())

    def _token_weights(self, labels):
        """Loss weight per label ``(B, L)``: 0 where ignored; a keyword
        ``keyword_weight`` times another token of its caption, scaled so
        that a caption's weights sum to its token count."""
        weights = (labels != -100).float()
        if self.keywords and self.keyword_weight != 1.0:
            ids = [i for w in self.keywords
                   for i in self.tokenizer.encode(w)
                   if i != self.tokenizer.unk_id]
            keyword = torch.isin(labels, labels.new_tensor(ids))
            raw = torch.where(keyword, weights * self.keyword_weight,
                              weights)
            weights = raw * (weights.sum(1, keepdim=True) /
                             raw.sum(1, keepdim=True).clamp(min=1e-12))
        return weights

    # --------------------------------------------------------- generation
    @torch.no_grad()
    def generate(self, prefix, data_samples, num_beams=None, max_length=None,
                 use_cache=None, length_penalty=None,
                 return_hypotheses=False):
        """Token ids ``(B, T)`` generated after ``[prefix; prompt; BOS]``.

        Args default to the config values. ``return_hypotheses`` (beam
        search only) also returns every finished beam, as
        :func:`beam_search` does.
        """
        num_beams = num_beams or self.num_beams
        max_length = max_length or self.max_length
        use_cache = self.use_cache if use_cache is None else use_cache
        length_penalty = (self.length_penalty if length_penalty is None else
                          length_penalty)
        tok = self.tokenizer
        b, t, _ = prefix.shape
        prompts = [p + [tok.bos_id] for p in self._prompt_ids(data_samples)]
        length = max(len(p) for p in prompts)
        self._check_length(t + length + max_length)
        # Left-pad the text so every sequence ends at the same column.
        ids = prefix.new_full((b, length), tok.pad_id, dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, length - len(p):] = torch.tensor(p)
        key_mask = torch.cat([
            torch.ones(b, t, dtype=torch.bool, device=prefix.device),
            ids != tok.pad_id], dim=1)
        positions = (key_mask.long().cumsum(1) - 1).clamp(min=0)
        embeds = torch.cat([prefix, self.tok_embed(ids)], dim=1)
        hidden, cache = self.forward_hidden(embeds, key_mask, positions)
        first = self._log_probs(hidden[:, -1])
        next_pos = positions[:, -1] + 1
        if use_cache:
            state = dict(cache=cache, key_mask=key_mask, next_pos=next_pos)
            step = self._step_cached
        else:
            state = dict(embeds=embeds, key_mask=key_mask,
                         positions=positions)
            step = self._step_full
        kwargs = dict(max_length=max_length, eos_id=tok.eos_id,
                      pad_id=tok.pad_id)
        if num_beams == 1:
            return greedy_search(step, state, first, **kwargs)
        return beam_search(step, self._reorder, state, first,
                           num_beams=num_beams, length_penalty=length_penalty,
                           return_hypotheses=return_hypotheses, **kwargs)

    def _step_cached(self, token, state):
        n = token.shape[0]
        key_mask = torch.cat([state['key_mask'],
                              token.new_ones(n, 1, dtype=torch.bool)], 1)
        hidden, cache = self.forward_hidden(
            self.tok_embed(token), key_mask, state['next_pos'][:, None],
            state['cache'])
        state = dict(cache=cache, key_mask=key_mask,
                     next_pos=state['next_pos'] + 1)
        return self._log_probs(hidden[:, -1]), state

    def _step_full(self, token, state):
        n = token.shape[0]
        embeds = torch.cat([state['embeds'], self.tok_embed(token)], 1)
        key_mask = torch.cat([state['key_mask'],
                              token.new_ones(n, 1, dtype=torch.bool)], 1)
        positions = torch.cat(
            [state['positions'], state['positions'][:, -1:] + 1], 1)
        hidden, _ = self.forward_hidden(embeds, key_mask, positions)
        state = dict(embeds=embeds, key_mask=key_mask, positions=positions)
        return self._log_probs(hidden[:, -1]), state

    @staticmethod
    def _reorder(state, index):
        out = {}
        for key, value in state.items():
            if key == 'cache':
                out[key] = [(k[index], v[index]) for k, v in value]
            else:
                out[key] = value[index]
        return out

    def predict(self, prefix, data_samples, num_beams=None, max_length=None):
        """Captions and, with beam search, every finished beam with its
        score (:class:`DecoderOutput`; greedy search lists none).

        Args:
            prefix (Tensor): ``(B, T, D)`` visual prefix.
            data_samples (list): the batch's samples (their ``prompt``).
            num_beams (int, optional): beam size of this call; None: the
                configured ``num_beams``.
            max_length (int, optional): most generated tokens of this call;
                None: the configured ``max_length``.
        """
        num_beams = num_beams or self.num_beams
        decode = self.tokenizer.decode
        if num_beams == 1:
            ids = self.generate(prefix, data_samples, num_beams=1,
                                max_length=max_length)
            return DecoderOutput([decode(row) for row in ids.tolist()])
        ids, hypotheses = self.generate(prefix, data_samples,
                                        num_beams=num_beams,
                                        max_length=max_length,
                                        return_hypotheses=True)
        beams = [[(decode(tokens), score) for score, tokens in found]
                 for found in hypotheses]
        return DecoderOutput([decode(row) for row in ids.tolist()], beams)

"""LLaVA-style decoder: a visual prefix fed to a Hugging Face causal LM."""
import os

import torch

from onediff_kit.contracts import BaseDecoder, DecoderOutput
from onediff_kit.extras import require_extra
from onediff_kit.registry import MODELS


class CaptionTokens:
    """A Hugging Face tokenizer as ``BaseDecoder.caption_tokenizer`` returns
    it: ``encode(text)`` (no special tokens) and ``unk_id``.

    Args:
        tokenizer (transformers.PreTrainedTokenizerBase): the LM's tokenizer.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.unk_id = tokenizer.unk_token_id

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False)['input_ids']


@MODELS.register_module()
class HFCausalLMDecoder(BaseDecoder):
    """Any ``AutoModelForCausalLM`` conditioned through ``inputs_embeds``.

    The sequence is ``[visual prefix; prompt; caption; EOS]``: the prefix is
    the projector's output, the prompt is ``prompt_template`` filled with
    the task prompt; the loss covers the caption and EOS only. Generation
    uses the model's own ``generate`` (greedy or beam search, with its
    key/value cache).

    With ``lora`` the LM is wrapped by peft: its own weights are frozen
    here, at build time, and only the adapter can train. ``OneDiff`` keeps
    what a part froze at build time frozen in every stage, so a stage whose
    ``trainable`` names ``'decoder'`` trains the adapter alone, and one
    that does not name it freezes the adapter too. Without ``lora`` such a
    stage fine-tunes the whole LM. :meth:`merge_lora` folds the adapter
    into the LM's weights (``tools/model_converters/merge_lora.py``).

    Args:
        model_path (str): local directory with the model and its tokenizer;
            loaded with ``local_files_only`` (no download).
        from_config (bool): build from ``config.json`` with random weights.
        prompt_template (str): ``{prompt}`` is replaced by the sample's
            ``prompt``, e.g. ``'USER: {prompt} ASSISTANT:'``.
        max_length (int): most generated tokens.
        num_beams (int): 1 = greedy, else beam search.
        length_penalty (float): beam-search length normalisation exponent.
        torch_dtype (str, optional): e.g. ``'bfloat16'`` for large models.
            The visual prefix is cast to the LM's dtype.
        lora (dict, optional): a LoRA adapter on the LM through peft:
            ``r`` (rank), ``alpha``, ``dropout`` and ``target_modules``
            (module names, e.g. ``['q_proj', 'v_proj']``); optional
            ``bias`` (``'none'``). None: no adapter.
        gradient_checkpointing (bool): recompute the LM's activations in
            the backward pass (Hugging Face's
            ``gradient_checkpointing_enable``): less memory, more time.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self, model_path, from_config=False,
                 prompt_template='{prompt}', max_length=24, num_beams=1,
                 length_penalty=1.0, torch_dtype=None, lora=None,
                 gradient_checkpointing=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        from transformers import (AutoConfig, AutoModelForCausalLM,
                                  AutoTokenizer)
        if not os.path.isdir(model_path):
            raise FileNotFoundError(f'decoder.model_path={model_path} is not '
                                    'a local directory')
        dtype = getattr(torch, torch_dtype) if torch_dtype else None
        if from_config:
            config = AutoConfig.from_pretrained(model_path,
                                                local_files_only=True)
            self.lm = AutoModelForCausalLM.from_config(config,
                                                       torch_dtype=dtype)
        else:
            self.lm = AutoModelForCausalLM.from_pretrained(
                model_path, local_files_only=True, torch_dtype=dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(model_path,
                                                       local_files_only=True)
        if self.tokenizer.eos_token_id is None:
            raise ValueError(f'the tokenizer in {model_path} has no EOS token')
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.embed_dims = self.lm.get_input_embeddings().embedding_dim
        if gradient_checkpointing:
            # Non-reentrant: gradients reach the prefix (and the adapter)
            # although the LM's own inputs never require grad.
            self.lm.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs=dict(use_reentrant=False))
        self.lora = None
        if lora is not None:
            self.lm = self._add_lora(self.lm, lora)
            self.lora = dict(lora)
        self.prompt_template = prompt_template
        self.max_length = max_length
        self.num_beams = num_beams
        self.length_penalty = length_penalty

    @staticmethod
    def _add_lora(lm, lora):
        require_extra('lora', 'decoder.lora')
        from peft import LoraConfig, get_peft_model
        known = {'r', 'alpha', 'dropout', 'target_modules', 'bias'}
        unknown = set(lora) - known
        missing = {'r', 'alpha', 'target_modules'} - set(lora)
        if unknown or missing:
            raise ValueError(
                f'decoder.lora: unknown keys {sorted(unknown)}, missing keys '
                f'{sorted(missing)}; give r, alpha, target_modules and '
                'optionally dropout and bias')
        config = LoraConfig(
            r=lora['r'], lora_alpha=lora['alpha'],
            lora_dropout=lora.get('dropout', 0.0),
            target_modules=list(lora['target_modules']),
            bias=lora.get('bias', 'none'), task_type='CAUSAL_LM')
        try:
            return get_peft_model(lm, config)
        except ValueError as exc:  # e.g. no module matches target_modules
            raise ValueError(f'decoder.lora: {exc}') from None

    def init_weights(self):
        """Nothing to do: the LM and the adapter come initialised.

        mmengine's recursive init would call the LM's own ``init_weights``,
        which redraws peft's adapter (LoRA's B must start at zero).
        """

    def merge_lora(self):
        """Fold the LoRA adapter into the LM's weights (peft's
        ``merge_and_unload``); the decoder then holds a plain LM."""
        if self.lora is None:
            return
        self.lm = self.lm.merge_and_unload()
        self.lora = None

    @property
    def lm_dtype(self):
        return self.lm.get_input_embeddings().weight.dtype

    def _encode(self, text):
        return self.tokenizer(text, add_special_tokens=False)['input_ids']

    @classmethod
    def caption_tokenizer(cls, model_path, **cfg):
        """The LM's own tokenizer from ``model_path`` (no weights loaded)."""
        from transformers import AutoTokenizer
        if not os.path.isdir(model_path):
            raise FileNotFoundError(f'decoder.model_path={model_path} is not '
                                    'a local directory')
        return CaptionTokens(
            AutoTokenizer.from_pretrained(model_path, local_files_only=True))

    def _prompt_ids(self, sample):
        prompt = self.prompt_template.format(
            prompt=sample.metainfo.get('prompt', '') or '')
        ids = self._encode(prompt) if prompt.strip() else []
        bos = self.tokenizer.bos_token_id
        return ([bos] if bos is not None else []) + ids

    def _embed(self, ids, device):
        table = self.lm.get_input_embeddings()
        return table(torch.tensor(ids, dtype=torch.long, device=device))

    def loss(self, prefix, data_samples):
        prefix = prefix.to(self.lm_dtype)
        b, t, d = prefix.shape
        eos, device = self.tokenizer.eos_token_id, prefix.device
        texts = []
        for sample in data_samples:
            prompt = self._prompt_ids(sample)
            caption = self._encode(sample.metainfo['gt_caption'])
            caption = caption[:self.max_length - 1] + [eos]
            texts.append((prompt, caption))
        length = t + max(len(p) + len(c) for p, c in texts)
        embeds = prefix.new_zeros(b, length, d)
        mask = torch.zeros(b, length, dtype=torch.long, device=device)
        labels = torch.full((b, length), -100, dtype=torch.long,
                            device=device)
        for i, (prompt, caption) in enumerate(texts):
            n = t + len(prompt) + len(caption)
            text = self._embed(prompt + caption, device).to(prefix.dtype)
            embeds[i] = torch.cat(
                [prefix[i], text, prefix.new_zeros(length - n, d)])
            mask[i, :n] = 1
            labels[i, t + len(prompt):n] = torch.tensor(caption)
        out = self.lm(inputs_embeds=embeds, attention_mask=mask,
                      labels=labels)
        return dict(loss=out.loss)

    @torch.no_grad()
    def generate(self, prefix, data_samples, num_beams=None, max_length=None):
        """Generated ids (new tokens only), left-padded prompts."""
        prefix = prefix.to(self.lm_dtype)
        b, t, d = prefix.shape
        device = prefix.device
        prompts = [self._prompt_ids(s) for s in data_samples]
        length = t + max(len(p) for p in prompts)
        embeds = prefix.new_zeros(b, length, d)
        mask = torch.zeros(b, length, dtype=torch.long, device=device)
        for i, prompt in enumerate(prompts):
            n = t + len(prompt)
            parts = [prefix[i]]
            if prompt:
                parts.append(self._embed(prompt, device).to(prefix.dtype))
            embeds[i, length - n:] = torch.cat(parts)
            mask[i, length - n:] = 1
        num_beams = num_beams or self.num_beams
        beam_args = dict(num_beams=num_beams)
        if num_beams > 1:
            beam_args['length_penalty'] = self.length_penalty
        return self.lm.generate(
            inputs_embeds=embeds, attention_mask=mask,
            max_new_tokens=max_length or self.max_length, do_sample=False,
            eos_token_id=self.tokenizer.eos_token_id,
            pad_token_id=self.tokenizer.pad_token_id, **beam_args)

    def predict(self, prefix, data_samples, num_beams=None, max_length=None):
        """Captions (:class:`DecoderOutput`, no beams listed) for the batch;
        ``num_beams`` and ``max_length`` of None are the configured ones."""
        ids = self.generate(prefix, data_samples, num_beams=num_beams,
                            max_length=max_length)
        return DecoderOutput([
            self.tokenizer.decode(row, skip_special_tokens=True).strip()
            for row in ids.tolist()])

"""``onediff merge-lora``: merge a trained LoRA adapter into the LM and
export a usable model.

Usage:
    onediff merge-lora CONFIG CHECKPOINT OUT_DIR [--cfg-options k=v ...]

Builds the model of CONFIG (its decoder an ``HFCausalLMDecoder`` with
``lora``), loads CHECKPOINT (``weights_only=True``), folds the adapter into
the LM's weights (peft's ``merge_and_unload``) and writes into OUT_DIR:

- ``lm/``: the merged LM and its tokenizer, a plain Hugging Face directory
  (``AutoModelForCausalLM.from_pretrained('OUT_DIR/lm')``, no peft needed);
- ``vision/config.json``: the vision model's config (its weights are in
  ``checkpoint.pth``);
- ``checkpoint.pth``: the whole OneDiff model with the merged LM
  (``{'meta', 'state_dict'}``, tensors only);
- ``config.py``: CONFIG with the decoder reading ``lm/`` without an adapter,
  the encoder built from ``vision/config.json`` and no BERT initialisation,
  so ``onediff caption --config OUT_DIR/config.py --checkpoint
  OUT_DIR/checkpoint.pth`` captions with nothing but OUT_DIR.

The LM's weights are written twice (``lm/`` and ``checkpoint.pth``): about
14 GB each for a 7B model in bf16.
"""
import os
import os.path as osp
import sys

from mmengine.config import DictAction

from onediff_kit.cli.clear_errors import with_clear_errors
from onediff_kit.cli.command import parse_command, run_command

def add_parser(subparsers):
    parser = subparsers.add_parser(
        'merge-lora', help='merge a LoRA adapter into the LM and export '
        'the model',
        description='Merge a LoRA adapter into the LM and export the '
        'model.')
    parser.add_argument('config', help='the training config')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('out_dir', help='the directory to write')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides used when training')
    parser.add_argument('--debug', action='store_true',
                        help='print the traceback of config and input errors')
    parser.set_defaults(func=with_clear_errors(merge))


def export(cfg, checkpoint, out_dir):
    """Write the merged model of ``cfg`` + ``checkpoint`` into ``out_dir``.

    Args:
        cfg (Config): the training config (overrides applied).
        checkpoint (str): a checkpoint of that config.
        out_dir (str): where to write (created).

    Returns:
        dict: the paths written (``lm``, ``vision``, ``checkpoint``,
        ``config``).
    """
    import torch
    from mmengine.registry import DefaultScope
    from transformers import AutoConfig

    from onediff_kit.checkpoint import load_local
    from onediff_kit.config_check import ConfigError
    from onediff_kit.registry import MODELS
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        model = MODELS.build(cfg.model)
    decoder = model.decoder
    if getattr(decoder, 'lora', None) is None:
        raise ConfigError(
            f'model.decoder ({type(decoder).__name__}) has no LoRA adapter '
            'to merge; export needs a decoder built with lora=dict(...)')
    state = load_local(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    model.load_state_dict(state, strict=True)
    decoder.merge_lora()

    paths = {k: osp.join(out_dir, k) for k in ('lm', 'vision')}
    paths['checkpoint'] = osp.join(out_dir, 'checkpoint.pth')
    paths['config'] = osp.join(out_dir, 'config.py')
    os.makedirs(out_dir, exist_ok=True)
    decoder.lm.save_pretrained(paths['lm'])
    decoder.tokenizer.save_pretrained(paths['lm'])
    AutoConfig.from_pretrained(cfg.model.encoder.model_path,
                               local_files_only=True).save_pretrained(
                                   paths['vision'])
    torch.save(
        dict(meta=dict(merged_from=osp.abspath(checkpoint),
                       lora=dict(cfg.model.decoder.lora)),
             state_dict=model.state_dict()), paths['checkpoint'])

    out = cfg.copy()
    out.model.decoder.update(model_path=osp.abspath(paths['lm']), lora=None,
                             from_config=False)
    out.model.encoder.update(model_path=osp.abspath(paths['vision']),
                             from_config=True)
    if 'bert_init' in out.model.delta:
        out.model.delta.bert_init = None
    out.load_from = None
    out.dump(paths['config'])
    return paths


def merge(args):
    """Merge and export as the parsed ``args`` say; returns the paths
    written. Errors propagate (the command prints the clear ones as one
    line)."""
    import onediff_kit
    onediff_kit.init()  # plugins, safe checkpoint loading
    if not osp.isfile(args.config):
        sys.exit(f'error: config file {args.config} does not exist')
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    paths = export(cfg, args.checkpoint, args.out_dir)
    for key, path in paths.items():
        print(f'{key:<10} {path}')
    return paths


def main(argv=None):
    """Merge and export as ``onediff merge-lora ARGV`` would; returns the
    paths written. Errors propagate."""
    return merge(parse_command('merge-lora', argv))


if __name__ == '__main__':
    sys.exit(run_command('merge-lora'))

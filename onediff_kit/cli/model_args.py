"""The model options shared by ``onediff caption`` and ``onediff serve``.

A model is given one of three ways:

- ``--model DIR``: a folder written by ``save_pretrained`` (``make demo``,
  ``onediff export``); nothing else needed;
- ``--checkpoint CKPT``: a checkpoint of ``onediff train``, with the
  config the Runner stored in it (``meta['cfg']``);
- ``--config CFG --checkpoint CKPT``: as before.
"""
import os.path as osp


def add_model_arguments(parser):
    """Add ``--model``, ``--config`` and ``--checkpoint`` to ``parser``."""
    group = parser.add_argument_group(
        'model', 'give --model DIR, or --checkpoint CKPT (with --config '
        'CFG when the checkpoint stores no config)')
    group.add_argument('--model', metavar='DIR',
                       help='a pretrained folder (save_pretrained: '
                       'config.json, model.safetensors, tokenizer, card)')
    group.add_argument('--config', help='the training config (default: '
                       'the config stored in the checkpoint)')
    group.add_argument('--checkpoint', help='a checkpoint of onediff train')


def model_arguments_error(args):
    """A message for a wrong combination or a missing path, else None."""
    if args.model and (args.config or args.checkpoint):
        return ('give either --model DIR or --config/--checkpoint, not both '
                '(a pretrained folder holds its config and weights)')
    if args.model:
        if not osp.isdir(args.model):
            return f'model folder {args.model} not found'
        return None
    if not args.checkpoint:
        return ('give --model DIR (a pretrained folder) or --checkpoint '
                'CKPT [--config CFG]')
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if path and not osp.isfile(path):
            return f'{what} {path} not found'
    return None


def build_captioner(args, **kwargs):
    """A :class:`DiffCaptioner` for the model options of ``args``.

    Raises:
        CaptionerError, PretrainedError, OSError: as the loaders raise
            them; the CLI prints their message.
    """
    from onediff_kit.apis import CaptionerError, DiffCaptioner
    from onediff_kit.apis.pretrained_folder import config_from_checkpoint
    if args.model:
        return DiffCaptioner.from_pretrained(args.model, device=args.device,
                                             **kwargs)
    if args.config:
        return DiffCaptioner(args.config, args.checkpoint, device=args.device,
                             **kwargs)
    try:
        return DiffCaptioner(config_from_checkpoint(args.checkpoint),
                             args.checkpoint, device=args.device, **kwargs)
    except CaptionerError as exc:
        if 'cannot build the model' not in str(exc):
            raise
        raise CaptionerError(
            f'{exc} (the config stored in the checkpoint was written by the '
            'onediff_kit that trained it; give the current config with '
            '--config CFG)') from None


def describe_model(args):
    """How the model was given, for a banner."""
    if args.model:
        return args.model
    if args.config:
        return f'{args.config} ({args.checkpoint})'
    return f'{args.checkpoint} (its stored config)'


def loading_errors():
    """The exception types whose message the CLI prints as one line."""
    from onediff_kit.apis import CaptionerError
    from onediff_kit.apis.pretrained_folder import PretrainedError
    from onediff_kit.checkpoint import UnsafeCheckpointError
    from onediff_kit.extras import MissingExtraError
    return (CaptionerError, PretrainedError, UnsafeCheckpointError,
            MissingExtraError)

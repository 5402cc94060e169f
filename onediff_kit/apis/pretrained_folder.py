"""Share a trained OneDiff model the Hugging Face way: one folder, no pickle.

``save_pretrained`` writes, and ``DiffCaptioner.from_pretrained`` reads::

    DIR/
      config.json        the config as JSON; loading reads this one (no
                         Python runs, nothing is unpickled)
      config.py          the same config as mmengine Python text, for
                         tools/train.py, tools/test.py and readers
      model.safetensors  every tensor of the model's state dict (tensors
                         that share storage are stored once)
      tokenizer.json     the caption decoder's word tokenizer (the format of
                         Hugging Face ``tokenizers``)
      extra_state.json   any other non-tensor module state, when there is
      encoder/ decoder/  Hugging Face parts: their model config (and the
                         decoder's tokenizer files); built from them
      README.md          the model card (data, scores with their protocol,
                         the commands that trained and tested it)
"""
import json
import os
import os.path as osp

import torch

from onediff_kit.apis.model_card import render_card

WEIGHTS_NAME = 'model.safetensors'
CONFIG_NAME = 'config.json'
CONFIG_PY_NAME = 'config.py'
TOKENIZER_NAME = 'tokenizer.json'
EXTRA_STATE_NAME = 'extra_state.json'
CARD_NAME = 'README.md'
EXTRA_SUFFIX = '_extra_state'
ALIASES_KEY = 'onediff_kit.aliases'
HF_PARTS = ('encoder', 'decoder')


class PretrainedError(RuntimeError):
    """A pretrained folder (or a file in it) is unusable; the message names
    the file and the reason."""


# ----------------------------------------------------------------- weights
def _storage_key(tensor):
    return (tensor.device, tensor.untyped_storage().data_ptr())


def _is_whole(tensor):
    storage = tensor.untyped_storage()
    return (tensor.is_contiguous() and
            tensor.data_ptr() == storage.data_ptr() and
            tensor.numel() * tensor.element_size() == storage.nbytes())


def split_state(state_dict):
    """Tensors to store, aliases of shared tensors, and the extra states.

    Returns:
        tuple[dict, dict, dict]: ``name -> tensor`` (each storage once,
        contiguous, on the CPU), ``alias -> stored name`` for tensors that
        are the same view of one storage (tied weights), and ``key ->
        value`` of the non-tensor entries (``get_extra_state``).
    """
    tensors, aliases, extras, seen = {}, {}, {}, {}
    for name, value in state_dict.items():
        if not torch.is_tensor(value):
            extras[name] = value
            continue
        key = _storage_key(value)
        first = seen.get(key)
        if first is not None:
            other = state_dict[first]
            if (other.data_ptr() == value.data_ptr() and other.shape ==
                    value.shape and other.stride() == value.stride()):
                aliases[name] = first
                continue
        else:
            seen[key] = name
        tensors[name] = (value if first is None and _is_whole(value) else
                         value.clone()).detach().cpu().contiguous()
    return tensors, aliases, extras


def _tokenizer_file(key):
    prefix = key[:-len(EXTRA_SUFFIX)].rstrip('.')
    return TOKENIZER_NAME if prefix in ('decoder', '') else \
        f'{prefix}.{TOKENIZER_NAME}'


def _write_extras(extras, directory):
    """Tokenizers as their own JSON files, the rest in extra_state.json."""
    index = {}
    for key, value in extras.items():
        if isinstance(value, dict) and set(value) == {'tokenizer'} and \
                isinstance(value['tokenizer'], str):
            name = _tokenizer_file(key)
            with open(osp.join(directory, name), 'w', encoding='utf-8') as f:
                f.write(value['tokenizer'])
            value = dict(tokenizer={'file': name})
        try:
            json.dumps(value)
        except TypeError as exc:
            raise PretrainedError(
                f'state {key!r} is not JSON data ({exc}); a module whose '
                'get_extra_state returns objects cannot be saved without '
                'pickle') from None
        index[key] = value
    if index:
        _write_json(osp.join(directory, EXTRA_STATE_NAME), index)


def save_weights(model, directory):
    """Write ``model.safetensors`` (and the tokenizer / extra state files).
    """
    from safetensors.torch import save_file
    tensors, aliases, extras = split_state(model.state_dict())
    path = osp.join(directory, WEIGHTS_NAME)
    save_file(tensors, path,
              metadata={'format': 'pt', ALIASES_KEY: json.dumps(aliases)})
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # as readable as the other files
    _write_extras(extras, directory)


def read_json(path, what='file'):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} not found')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PretrainedError(f'{path} is not valid JSON: {exc}') from None


def _write_json(path, data):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write('\n')


def _read_extras(keys, directory):
    if not keys:
        return {}
    path = osp.join(directory, EXTRA_STATE_NAME)
    index = read_json(path, 'extra state file (the tokenizer index)')
    extras = {}
    for key in keys:
        if key not in index:
            raise PretrainedError(f'{path} has no entry for {key!r}')
        value = index[key]
        ref = value.get('tokenizer') if isinstance(value, dict) else None
        if isinstance(ref, dict) and 'file' in ref:
            file = osp.join(directory, ref['file'])
            if not osp.isfile(file):
                raise FileNotFoundError(f'tokenizer file {file} not found')
            with open(file, encoding='utf-8') as f:
                text = f.read()
            try:
                json.loads(text)
            except ValueError as exc:
                raise PretrainedError(f'tokenizer file {file} is not valid '
                                      f'JSON: {exc}') from None
            value = dict(tokenizer=text)
        extras[key] = value
    return extras


def _read_tensors(path):
    from safetensors import safe_open
    if not osp.isfile(path):
        raise FileNotFoundError(f'weights file {path} not found')
    try:
        with safe_open(path, framework='pt') as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        aliases = json.loads(metadata.get(ALIASES_KEY, '{}'))
    except Exception as exc:  # SafetensorError, bad metadata JSON
        raise PretrainedError(f'{path} is not a readable safetensors file: '
                              f'{type(exc).__name__}: {exc}') from None
    for alias, name in aliases.items():
        if name not in tensors:
            raise PretrainedError(f'{path}: tied tensor {alias!r} points to '
                                  f'{name!r}, which the file lacks')
        tensors[alias] = tensors[name]
    return tensors


def load_weights(model, path, strict=True):
    """Load ``model.safetensors`` (and the files beside it) into ``model``.

    Args:
        model (nn.Module): the model built from the folder's config.
        path (str): the ``.safetensors`` file.
        strict (bool): every tensor must be there with the model's dtype.

    Raises:
        FileNotFoundError: the weights, tokenizer or extra state file is
            missing (the message names it).
        PretrainedError: a file is corrupt, or the weights do not fit the
            model (missing/unexpected keys, shapes, dtypes).
    """
    from onediff_kit.checkpoint import compare_state_dicts, describe_mismatch
    state = _read_tensors(path)
    own = model.state_dict()
    extra_keys = [k for k, v in own.items() if not torch.is_tensor(v)]
    state.update(_read_extras(extra_keys, osp.dirname(path)))
    missing, unexpected, shapes = compare_state_dicts(own, state)
    dtypes = [f'{k}: file {state[k].dtype} vs model {v.dtype}'
              for k, v in own.items() if torch.is_tensor(v) and k in state
              and state[k].dtype != v.dtype]
    if shapes or (strict and (missing or unexpected or dtypes)):
        problems = describe_mismatch(missing, unexpected, shapes)
        if dtypes:
            problems += f'\ndtype mismatch ({len(dtypes)}):\n  ' + \
                '\n  '.join(dtypes[:20])
        raise PretrainedError(f'{path} does not fit the model of its config:'
                              f'\n{problems.strip()}')
    model.load_state_dict(state, strict=strict)
    return model


# ------------------------------------------------------------------ config
def _hf_part(part_cfg, module, directory, name):
    """Save a Hugging Face part's config (and tokenizer) into ``name/``."""
    from transformers import AutoConfig
    folder = osp.join(directory, name)
    os.makedirs(folder, exist_ok=True)
    AutoConfig.from_pretrained(part_cfg['model_path'],
                               local_files_only=True).save_pretrained(folder)
    tokenizer = getattr(module, 'tokenizer', None)
    if hasattr(tokenizer, 'save_pretrained'):
        tokenizer.save_pretrained(folder)
    return dict(part_cfg, model_path=name, from_config=True)


def portable_config(cfg, model, directory):
    """The config as a plain dict that builds the model from the folder.

    It stays the training recipe, with two changes: the decoder's
    ``vocab_file`` is the folder's ``tokenizer.json`` (the same format),
    and a Hugging Face encoder or decoder, which reads weights while it is
    built, is built from its config copied into ``encoder/`` or
    ``decoder/`` (``from_config=True``). Initialisers that only
    ``init_weights`` runs (``delta.bert_init``, ``encoder.pretrained``)
    are kept: loading never calls it, the safetensors file has the weights.
    """
    data = cfg.to_dict()
    model_cfg = data['model']
    decoder = model_cfg.get('decoder')
    if isinstance(decoder, dict) and 'vocab_file' in decoder:
        decoder['vocab_file'] = TOKENIZER_NAME  # the tokenizer saved beside
    for name in HF_PARTS:
        part = model_cfg.get(name)
        if isinstance(part, dict) and part.get('model_path'):
            model_cfg[name] = _hf_part(part, getattr(model, name, None),
                                       directory, name)
    try:
        json.dumps(data)
    except TypeError as exc:
        raise PretrainedError(f'config {cfg.filename}: a value is not JSON '
                              f'data ({exc}); use type names (strings) in '
                              'the config') from None
    return data


def write_config(data, directory):
    """Write ``config.json`` and ``config.py`` from a plain config dict."""
    from mmengine.config import Config
    _write_json(osp.join(directory, CONFIG_NAME), data)
    text = Config(data).pretty_text
    with open(osp.join(directory, CONFIG_PY_NAME), 'w',
              encoding='utf-8') as f:
        f.write('# Written by onediff_kit save_pretrained; loading reads '
                'config.json.\n' + text)


def read_config(directory):
    """The folder's config (from ``config.json``), its paths made absolute.

    Raises:
        FileNotFoundError: the folder or its config.json is missing.
        PretrainedError: config.json is not valid JSON or has no model.
    """
    from mmengine.config import Config
    if not osp.isdir(directory):
        raise FileNotFoundError(f'pretrained model folder {directory} not '
                                'found')
    path = osp.join(directory, CONFIG_NAME)
    data = read_json(path, 'config file')
    if not isinstance(data, dict):
        raise PretrainedError(f'{path} does not hold a JSON object')
    # Not Config.fromfile: no variable substitution, no custom_imports.
    cfg = Config(data, filename=path)
    model_cfg = cfg.get('model')
    if not isinstance(model_cfg, dict):
        raise PretrainedError(f'{path} has no "model" dict')
    for name in HF_PARTS:
        part = model_cfg.get(name)
        if isinstance(part, dict) and part.get('from_config') and \
                isinstance(part.get('model_path'), str) and \
                not osp.isabs(part['model_path']):
            local = osp.join(directory, part['model_path'])
            if not osp.isdir(local):
                raise FileNotFoundError(f'{name} folder {local} (named by '
                                        f'{path}) not found')
            part['model_path'] = local
    decoder = model_cfg.get('decoder')
    if isinstance(decoder, dict) and decoder.get('vocab_file') == \
            TOKENIZER_NAME:
        decoder['vocab_file'] = osp.join(directory, TOKENIZER_NAME)
    return cfg


def config_from_checkpoint(checkpoint):
    """The config a Runner stored in a checkpoint (``meta['cfg']``).

    Raises:
        PretrainedError: the checkpoint holds no config text.
    """
    from mmengine.config import Config

    from onediff_kit.checkpoint import load_local
    meta = load_local(checkpoint, map_location='cpu').get('meta') or {}
    text = meta.get('cfg') if isinstance(meta, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise PretrainedError(
            f'checkpoint {checkpoint} stores no config (meta["cfg"]); give '
            '--config too')
    cfg = Config.fromstring(text, '.py')
    # Name the checkpoint in messages, not fromstring's temporary file.
    super(Config, cfg).__setattr__('_filename', f'{checkpoint}:meta[cfg]')
    return cfg


# -------------------------------------------------------------------- save
def read_scores(path):
    """The report of a ``scores.json`` (``tools/test.py``, ``onediff eval``).

    Raises:
        FileNotFoundError: the file is missing.
        PretrainedError: it is not JSON or has no ``scores`` dict.
    """
    report = read_json(path, 'scores file')
    if not isinstance(report, dict) or \
            not isinstance(report.get('scores'), dict):
        raise PretrainedError(f'{path} has no "scores" dict (expected the '
                              'scores.json of tools/test.py or onediff eval)')
    return report


def save_pretrained(model, cfg, directory, scores=(), commands=None):
    """Write ``model`` and its ``cfg`` as a pretrained folder.

    Args:
        model (nn.Module): the trained model (its current weights).
        cfg (Config): the config that built it.
        directory (str): the folder (created; files in it are replaced).
        scores (sequence[str]): ``scores.json`` files (``tools/test.py``,
            ``onediff eval``) whose scores and protocol the card shows.
        commands (dict, optional): ``train`` / ``test`` command lines for
            the card; defaults name tools/train.py and tools/test.py.

    Returns:
        str: the folder.
    """
    reports = [(path, read_scores(path)) for path in scores]
    os.makedirs(directory, exist_ok=True)
    for name in (WEIGHTS_NAME, CONFIG_NAME, CONFIG_PY_NAME, TOKENIZER_NAME,
                 EXTRA_STATE_NAME, CARD_NAME):  # no stale file of a save
        if osp.isfile(osp.join(directory, name)):
            os.remove(osp.join(directory, name))
    data = portable_config(cfg, model, directory)
    save_weights(model, directory)
    write_config(data, directory)
    with open(osp.join(directory, CARD_NAME), 'w', encoding='utf-8') as f:
        f.write(render_card(cfg, model, reports, commands))
    return directory


def check_folder(directory):
    """Raise FileNotFoundError naming the first required file missing."""
    if not osp.isdir(directory):
        raise FileNotFoundError(f'pretrained model folder {directory} not '
                                'found')
    for name, what in ((CONFIG_NAME, 'config file'),
                       (WEIGHTS_NAME, 'weights file')):
        if not osp.isfile(osp.join(directory, name)):
            raise FileNotFoundError(
                f'{what} {osp.join(directory, name)} not found (a folder '
                'written by save_pretrained holds config.json and '
                'model.safetensors)')


def from_pretrained(cls, directory, device=None, **kwargs):
    """``cls(config, weights, ...)`` for a pretrained folder.

    ``cls`` is :class:`DiffCaptioner` (or a subclass); it loads
    ``.safetensors`` weights with :func:`load_weights`.
    """
    directory = str(directory)
    check_folder(directory)
    return cls(read_config(directory), osp.join(directory, WEIGHTS_NAME),
               device=device, **kwargs)

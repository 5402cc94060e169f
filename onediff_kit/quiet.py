"""Keep third-party warnings and log lines off the console.

The libraries under onediff_kit warn about things a user of its commands
can do nothing about: mmcv-lite's missing ``MultiScaleDeformableAttention``
(a CUDA op no onediff_kit model uses), starlette's and torch's deprecations,
transformers' notices. :func:`quiet_third_party` hides them for a whole
process (the ``onediff`` command and the tools call it first, before the
imports that warn, unless ``--verbose``); :func:`quiet_build` hides
mmcv-lite's warning and mmengine's INFO records around one build (the
Python API, which must not change a process's global filters). Only warnings attributed to :data:`THIRD_PARTY_PACKAGES` are
hidden: those of onediff_kit, its plugins (a plugin contract's deprecation,
attributed to the plugin's module) and the user's own modules show.
"""
import contextlib
import logging
import os
import sys
import warnings

# Raised by mmcv-lite when mmpretrain imports its transformer bricks.
LIBRARY_WARNINGS = (
    r'Fail to import ``MultiScaleDeformableAttention``',
)
# Loggers of libraries that log at INFO or WARNING on their own.
THIRD_PARTY_LOGGERS = ('transformers', 'huggingface_hub', 'timm', 'urllib3',
                       'httpx', 'gradio', 'PIL', 'matplotlib', 'peft',
                       'accelerate', 'torch.distributed.elastic')
# The packages onediff_kit runs on (setup.py's requirements and extras, and
# theirs): a warning attributed to one of their modules is not the user's.
# A user's own modules (a config's custom_imports) keep their warnings.
THIRD_PARTY_PACKAGES = (
    'torch', 'torchvision', 'mmengine', 'mmcv', 'mmpretrain', 'transformers',
    'tokenizers', 'huggingface_hub', 'safetensors', 'timm', 'pluggy',
    'einops', 'pycocoevalcap', 'numpy', 'PIL', 'tqdm', 'skimage', 'sklearn',
    'scipy', 'matplotlib', 'pkg_resources', 'setuptools', 'importlib',
    'gradio', 'gradio_client', 'starlette', 'fastapi', 'uvicorn', 'httpx',
    'pydantic', 'peft', 'accelerate', 'xformers', 'tensorboard',
    'multiprocessing', 'cv2')
_THIRD_PARTY = r'(%s)(\.|$)' % '|'.join(THIRD_PARTY_PACKAGES)


def quiet_third_party(verbose=False):
    """Hide third-party warnings and INFO/WARNING log records in this
    process, unless ``verbose``.

    Args:
        verbose (bool): change nothing (show everything).
    """
    if verbose:
        return
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
    warnings.filterwarnings('ignore', module=_THIRD_PARTY)
    for message in LIBRARY_WARNINGS:  # whatever frame they are raised in
        warnings.filterwarnings('ignore', message=message)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def quiet_build(logger_name='onediff_kit'):
    """Build inside this block: :data:`LIBRARY_WARNINGS` are hidden, and
    mmengine's ``logger='current'`` records go to the MMLogger
    ``logger_name`` at level WARNING, on stderr (stdout stays the caller's:
    ``onediff caption --json`` prints JSON there), not mmengine's INFO
    console logger.
    A user who wants the INFO lines lowers its level:
    ``MMLogger.get_instance('onediff_kit').setLevel('INFO')``.

    Args:
        logger_name (str): the MMLogger that receives the records. mmengine
            makes the most recently created MMLogger the current one; this
            one is created on the first build (a Runner built later gets
            its own).
    """
    from mmengine.logging import MMLogger
    if not MMLogger.check_instance_created(logger_name):
        # The handler passes every level; the logger's own level filters,
        # so changing the verbosity is one setLevel call.
        logger = MMLogger.get_instance(logger_name, log_level='DEBUG')
        logger.setLevel(logging.WARNING)
        for handler in logger.handlers:
            if getattr(handler, 'stream', None) is sys.stdout:
                handler.setStream(sys.stderr)
    with warnings.catch_warnings():
        for message in LIBRARY_WARNINGS:
            warnings.filterwarnings('ignore', message=message)
        yield

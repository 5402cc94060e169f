"""SPICE, only where it can run offline.

pycocoevalcap's ``Spice()`` downloads Stanford CoreNLP 3.6.0 (about 400 MB)
the first time it is built, which fails without internet. The preflight here
checks for Java and the two CoreNLP jars without building ``Spice``; when
they are missing SPICE is skipped and the reason logged once per process.
"""
import os

from mmengine.logging import print_log

from .java import JavaNotFoundError, find_java

_logged = set()


def spice_unavailable_reason(java='java'):
    """Why SPICE cannot run here, or None when it can.

    Args:
        java (str): the Java executable.
    """
    try:
        find_java(java, needed_by='SPICE')
    except JavaNotFoundError:
        return f'Java ("{java}") was not found'
    from pycocoevalcap.spice import get_stanford_models as gsm
    lib = os.path.join(os.path.abspath(gsm.SPICEDIR), gsm.SPICELIB)
    missing = [
        name for name in (f'{gsm.JAR}.jar', f'{gsm.JAR}-models.jar')
        if not os.path.isfile(os.path.join(lib, name))
    ]
    if missing:
        return (f'Stanford CoreNLP is not installed ({", ".join(missing)} '
                f'missing in {lib}; pycocoevalcap would try to download it)')
    return None


def log_spice_unavailable_once(reason):
    """Log that SPICE is skipped, once per process and reason."""
    if reason in _logged:
        return
    _logged.add(reason)
    print_log(
        f'SPICE is unavailable and skipped: {reason}. The other caption '
        'metrics are computed as usual.',
        logger='current',
        level=30)


def spice_per_image(hypotheses, references):
    """SPICE F-score of every image (call only after the preflight passed).

    Args:
        hypotheses (list[str]): one tokenised hypothesis per image.
        references (list[list[str]]): the tokenised references of each.

    Returns:
        list[float]: one score per image (NaN where SPICE gave none).
    """
    from pycocoevalcap.spice.spice import Spice
    gts = {i: refs for i, refs in enumerate(references)}
    res = {i: [hyp] for i, hyp in enumerate(hypotheses)}
    _, scores = Spice().compute_score(gts, res)
    return [float(s['All']['f']) for s in scores]

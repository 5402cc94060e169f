"""Finding Java, which the PTB tokenizer, METEOR and SPICE run on."""
import shutil


class JavaNotFoundError(RuntimeError):
    """Raised when a Java-based step is asked for and no ``java`` is found."""


def find_java(java='java', needed_by='the PTB tokenizer and METEOR'):
    """Return the path of the Java executable or raise a clear error.

    Args:
        java (str): command name or path of the Java executable.
        needed_by (str): what needs Java, named in the error message.
    """
    path = shutil.which(java)
    if path is None:
        raise JavaNotFoundError(
            f'Java ("{java}") was not found on PATH, but {needed_by} run on '
            'it (pycocoevalcap ships them as .jar files). Install a Java '
            'runtime (e.g. `apt-get install openjdk-17-jre-headless`), or '
            'score without Java: metrics=("BLEU", "ROUGE-L", "CIDEr") and '
            'tokenizer="simple" (on the command line: `--metrics BLEU '
            'ROUGE-L CIDEr --tokenizer simple`); such scores are not '
            'comparable with published PTB-tokenised numbers.')
    return path

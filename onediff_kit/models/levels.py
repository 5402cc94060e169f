"""The one range check of a level index (encoder levels, hidden states)."""


def check_level(level, levels, key, kind='encoder levels'):
    """Validate a (possibly negative) level index and make it non-negative.

    Args:
        level (int): the index from a config, e.g. ``-1`` for the last.
        levels (int | sequence): how many levels there are, or the levels
            themselves (e.g. the encoder's ``out_channels``, listed in the
            error).
        key (str): the config key the index comes from, e.g.
            ``'delta.level'``; the error names it.
        kind (str): what the levels are, for the error message.

    Returns:
        int: ``level`` in ``[0, n)``.

    Raises:
        IndexError: ``level`` is out of range, naming ``key``.
    """
    n = levels if isinstance(levels, int) else len(levels)
    if not -n <= level < n:
        listed = '' if isinstance(levels, int) else f' {list(levels)}'
        raise IndexError(f'{key}={level} is out of range: there are {n} '
                         f'{kind}{listed}')
    return level % n

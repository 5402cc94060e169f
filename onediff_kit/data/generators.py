"""Building a pair generator (``GENERATORS``) by name, or the one that the
installed plugins register, so that the core names none."""


def build_generator(name=None, **cfg):
    """Build a registered generator.

    Args:
        name (str, optional): its registered name; None takes the only
            registered generator.
        **cfg: its arguments.

    Raises:
        KeyError: ``name`` is not registered, or it is None and not exactly
            one generator is (the message lists the registered ones).
    """
    from onediff_kit.registry import GENERATORS
    GENERATORS.import_from_location()
    known = sorted(GENERATORS.module_dict)
    if name is None:
        if len(known) != 1:
            listed = ', '.join(known) or 'none (is onediff-data installed?)'
            raise KeyError(f'name the generator: {len(known)} are '
                           f'registered: {listed}')
        name = known[0]
    if name not in known:
        listed = ', '.join(known) or 'none'
        raise KeyError(f'no generator {name!r} (registered: {listed})')
    return GENERATORS.build(dict(type=name, **cfg))

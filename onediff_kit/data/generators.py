"""Building a pair generator (``GENERATORS``) by name, or the default that
the installed plugins declare, so that the core names none.

A plugin that registers several generators marks the one to use when none
is named with the class attribute ``is_default_generator = True``."""


def build_generator(name=None, **cfg):
    """Build a registered generator.

    Args:
        name (str, optional): its registered name; None takes the only
            registered generator, or the one that declares
            ``is_default_generator``.
        **cfg: its arguments.

    Raises:
        KeyError: ``name`` is not registered, or it is None and not exactly
            one generator is registered or declared the default (the
            message lists the registered ones).
    """
    from onediff_kit.registry import GENERATORS
    GENERATORS.import_from_location()
    known = sorted(GENERATORS.module_dict)
    if name is None:
        declared = [n for n in known if getattr(
            GENERATORS.get(n), 'is_default_generator', False)]
        candidates = known if len(known) == 1 else declared
        if len(candidates) != 1:
            listed = ', '.join(known) or 'none (is onediff-data installed?)'
            raise KeyError(f'name the generator: {len(known)} are '
                           f'registered: {listed}')
        name = candidates[0]
    if name not in known:
        listed = ', '.join(known) or 'none'
        raise KeyError(f'no generator {name!r} (registered: {listed})')
    return GENERATORS.build(dict(type=name, **cfg))

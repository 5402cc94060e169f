"""Example pairs for the page, drawn by a registered data generator.

Nothing is read from a data set and nothing is downloaded: the generator
(``GENERATORS``, e.g. the synthetic scenes of the onediff-data plugin)
writes a few pairs and their manifest into a folder the page serves.
"""
from pathlib import Path


# Not the seed of the default data (``onediff data synth --seed 0``), so
# the examples are pairs the default model has not been trained on.
EXAMPLE_SEED = 2024


def write_example_pairs(folder, num=4, generator=None, seed=EXAMPLE_SEED):
    """Generate ``num`` pairs with a registered generator.

    Args:
        folder (str | Path): the data root to write (created).
        num (int): pairs; 0 gives none.
        generator (str, optional): a name in
            ``onediff_kit.registry.GENERATORS``; None takes the only
            registered one.
        seed (int): the generator's seed (same seed, same pairs).

    Returns:
        list[list[str]]: ``[before, after]`` image paths, one per pair.

    Raises:
        KeyError: no such generator, or None and not exactly one is
            registered (lists the registered ones).
    """
    from onediff_kit.data.generators import build_generator
    from onediff_kit.data.manifest import load_manifest
    if num < 1:
        return []
    folder = Path(folder)
    build_generator(generator).generate(folder, num, seed=seed,
                                        progress=False)
    return [[str(folder / r['before']), str(folder / r['after'])]
            for r in load_manifest(folder / 'manifest.jsonl')]

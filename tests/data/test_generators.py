"""build_generator: a generator by name, or the one the plugins register."""
import pytest

from onediff_kit.data.generators import build_generator
from onediff_kit.registry import GENERATORS


class OtherGenerator:

    def generate(self, out, num, seed=0, progress=True):
        return dict(total=0)


def test_no_name_builds_the_one_registered_generator():
    (name, cls), = GENERATORS.module_dict.items()
    assert type(build_generator(size=32)) is cls


def test_an_unknown_name_lists_the_registered_ones():
    with pytest.raises(KeyError, match='registered: ' +
                       next(iter(GENERATORS.module_dict))):
        build_generator('NoSuchGenerator')


def test_no_name_among_several_asks_for_one():
    GENERATORS.register_module(name='OtherGenerator', module=OtherGenerator)
    try:
        with pytest.raises(KeyError, match='name the generator: 2 are'):
            build_generator()
        assert isinstance(build_generator('OtherGenerator'), OtherGenerator)
    finally:
        GENERATORS.module_dict.pop('OtherGenerator')

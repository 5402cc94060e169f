"""build_generator: a generator by name, or the default the plugins
declare."""
import pytest

from onediff_kit.data.generators import build_generator
from onediff_kit.registry import GENERATORS


class OtherGenerator:

    def generate(self, out, num, seed=0, progress=True):
        return dict(total=0)


def _declared_defaults():
    return [cls for cls in GENERATORS.module_dict.values()
            if getattr(cls, 'is_default_generator', False)]


def test_no_name_builds_the_declared_default():
    cls, = _declared_defaults()
    assert type(build_generator(size=32)) is cls


def test_an_unknown_name_lists_the_registered_ones():
    with pytest.raises(KeyError, match='registered: ' +
                       ', '.join(sorted(GENERATORS.module_dict))):
        build_generator('NoSuchGenerator')


def test_no_name_and_no_single_default_asks_for_one(monkeypatch):
    GENERATORS.register_module(name='OtherGenerator', module=OtherGenerator)
    for cls in _declared_defaults():
        monkeypatch.setattr(cls, 'is_default_generator', False)
    try:
        count = len(GENERATORS.module_dict)
        with pytest.raises(KeyError, match=f'name the generator: {count} are'):
            build_generator()
        assert isinstance(build_generator('OtherGenerator'), OtherGenerator)
    finally:
        GENERATORS.module_dict.pop('OtherGenerator')

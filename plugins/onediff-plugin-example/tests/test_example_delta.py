"""ExampleDelta follows the delta contract: onediff_kit's conformance kit
runs the checks the project runs on its own parts.

Run it after installing the plugin: ``pytest tests``.
"""
import pytest

import onediff_kit
from onediff_kit.hookspecs import PLUGIN_API_VERSION
from onediff_kit.testing import check_component

onediff_kit.init()  # loads the installed plugins, this one among them

TINY = dict(type='ExampleDelta', out_channels=16, levels=(0, 2), grid=2,
            num_heads=2)


def test_written_for_plugin_api_2():
    assert PLUGIN_API_VERSION[0] == 2


def test_example_delta_follows_the_delta_contract():
    check_component(TINY, swap_exempt='|B - A| is the same for both orders')


def test_a_bad_level_names_the_key():
    from onediff_kit.registry import MODELS
    with pytest.raises(IndexError, match='delta.levels'):
        MODELS.build(dict(TINY, in_channels=[8], levels=(2, )))

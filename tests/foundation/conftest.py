import pytest

from onediff_kit.plugin_manager import register_plugin

from .tiny_components import TinyPlugin


@pytest.fixture(scope='session')
def tiny_plugin():
    """Registers TinyRegressor and TinyPairs through the plugin hook."""
    from onediff_kit.plugin_manager import get_plugin_manager
    if get_plugin_manager().get_plugin('tiny-test-plugin') is None:
        register_plugin(TinyPlugin(), name='tiny-test-plugin')
    return 'tiny-test-plugin'

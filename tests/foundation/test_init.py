"""onediff_kit.init(): the one explicit start-up point.

Importing the package or looking a name up changes nothing outside the
package; init() loads the plugins once (thread-safe) and switches safe
checkpoint loading on. The test process itself was initialised by
tests/conftest.py, so the "before" state is checked in a fresh process.
"""
import subprocess
import sys
import textwrap

import pytest
from mmengine.registry import DefaultScope
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import build_from_cfg

from onediff_kit import registry
from onediff_kit.registry import (OnediffRegistry, RegistryKeyError,
                                  explain_unknown_names)

FRESH_PROCESS = textwrap.dedent('''
    import sys
    import threading

    from mmengine.registry import MODELS as ROOT_MODELS
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

    import onediff_kit
    from onediff_kit import registry

    def explains(build_func):
        return getattr(build_func, 'explains_unknown_names', False)

    # import and lookup: no plugins, mmengine untouched
    assert registry.MODELS.get('OneDiff') is not None  # core, by locations
    assert registry.MODELS.get('TransformerCaptionDecoder') is None
    assert 'onediff_kit.plugin_manager' not in sys.modules
    assert CheckpointLoader._schemes[''] is load_from_local
    assert not explains(ROOT_MODELS.build_func)
    try:
        registry.MODELS.build(dict(type='TransformerCaptionDecoder'))
    except registry.RegistryKeyError as exc:
        assert 'call onediff_kit.init() first' in exc.args[0], exc
    else:
        raise AssertionError('built a plugin component before init()')

    threads = [threading.Thread(target=onediff_kit.init) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    onediff_kit.init()
    from onediff_kit.plugin_manager import PLUGIN_ERRORS
    assert PLUGIN_ERRORS == {}, PLUGIN_ERRORS  # each hook called once
    assert registry.MODELS.get('TransformerCaptionDecoder') is not None
    assert CheckpointLoader._schemes[''] is not load_from_local
    assert explains(ROOT_MODELS.build_func)
    print('fresh process ok')
''')


def test_import_has_no_side_effects_and_init_is_idempotent():
    proc = subprocess.run([sys.executable, '-c', FRESH_PROCESS],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'fresh process ok' in proc.stdout


def test_root_registry_build_names_close_matches():
    # the Runner builds through mmengine's roots, which only call get()
    with DefaultScope.overwrite_default_scope('onediff_kit'):
        with pytest.raises(RegistryKeyError,
                           match='Did you mean: PlainCheckpointStateHook'):
            MMENGINE_HOOKS.build(dict(type='PlainCheckpointStateHok'))


def test_only_the_built_name_raises():
    probes = OnediffRegistry(
        'probe test', build_func=explain_unknown_names(build_from_cfg))

    @probes.register_module()
    class Prober:
        """Looks another name up while it is built.

        Args:
            name (str): the name to look up.
        """

        def __init__(self, name):
            self.found = probes.get(name)

    assert probes.build(dict(type='Prober', name='Absent')).found is None
    with pytest.raises(RegistryKeyError, match='Did you mean: Prober'):
        probes.build(dict(type='Probr', name='Absent'))
    # a list of configs (mmengine's MODELS makes an nn.Sequential of it)
    with pytest.raises(RegistryKeyError, match='NoSuchLayer'):
        registry.MODELS.build([dict(type='NoSuchLayer')])
    assert registry.MODELS.get('NoSuchLayer') is None

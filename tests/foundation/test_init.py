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

from onediff_kit import registry
from onediff_kit.config_check import ConfigError, check_component_types
from onediff_kit.registry import OnediffRegistry, RegistryKeyError

FRESH_PROCESS = textwrap.dedent('''
    import sys
    import threading

    from mmengine.registry import MODELS as ROOT_MODELS
    from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

    import onediff_kit
    from onediff_kit import registry

    root_build, root_get = ROOT_MODELS.build_func, type(ROOT_MODELS).get
    # import and lookup: no plugins, mmengine untouched
    assert registry.MODELS.get('OneDiff') is not None  # core, by locations
    assert registry.MODELS.get('TransformerCaptionDecoder') is None
    assert 'onediff_kit.plugin_manager' not in sys.modules
    assert CheckpointLoader._schemes[''] is load_from_local
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
    # init() patches no mmengine registry
    assert ROOT_MODELS.build_func is root_build
    assert type(ROOT_MODELS).get is root_get
    print('fresh process ok')
''')


def test_import_has_no_side_effects_and_init_is_idempotent():
    proc = subprocess.run([sys.executable, '-c', FRESH_PROCESS],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'fresh process ok' in proc.stdout


def test_config_check_names_unknown_types_the_runner_would_build():
    # the Runner builds through mmengine's roots, whose KeyError names no
    # close match: the config check names the key and the matches first
    with pytest.raises(ConfigError, match=r"custom_hooks\[1\]\.type="
                       r"'PlainCheckpointStateHok': .*Did you mean: "
                       'PlainCheckpointStateHook'):
        check_component_types(dict(custom_hooks=[
            dict(type='EMAHook'), dict(type='PlainCheckpointStateHok')]))
    stage = dict(dataset=dict(type='DiffCaptionDataset', pipeline=[
        dict(type='LoadImagePair'), dict(type='ResizePiar')]))
    with pytest.raises(ConfigError, match=r'stages\[0\]\.dataloader\.dataset'
                       r'\.pipeline\[1\]\.type.*Did you mean: ResizePair'):
        check_component_types(dict(train_cfg=dict(
            type='MultiStageTrainLoop', stages=[dict(dataloader=stage)])))
    with pytest.raises(ConfigError, match=r'test_evaluator\.metrics\[0\]'):
        check_component_types(dict(test_evaluator=dict(
            type='Evaluator', metrics=[dict(type='CaptionMetrik')])))
    # types from mmengine's parents, scoped names and classes pass
    check_component_types(dict(
        model=dict(type='OneDiff'), runner_type='FlexibleRunner',
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='AdamW')),
        param_scheduler=[dict(type='LinearLR')],
        default_hooks=dict(logger=dict(type='LoggerHook')),
        val_evaluator=[dict(type='CaptionMetric')],
        visualizer=dict(type='Visualizer',
                        vis_backends=[dict(type='LocalVisBackend')]),
        train_dataloader=dict(
            sampler=dict(type='DefaultSampler'),
            collate_fn=dict(type='pseudo_collate'),
            dataset=dict(type='DiffCaptionDataset', pipeline=[
                dict(type='mmcv.LoadImageFromFile'),
                dict(type=OnediffRegistry)]))))


def test_only_the_built_name_raises():
    probes = OnediffRegistry('probe test')

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

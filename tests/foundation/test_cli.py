import json

import pytest

from onediff_kit import __version__
from onediff_kit.cli.main import main


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(['--version'])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_list_json_rows_have_name_kind_provider(capsys, tiny_plugin):
    assert main(['list', '--json']) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r['name']: r for r in rows}
    assert {'name', 'kind', 'provider'} <= set(rows[0])
    assert by_name['PlainCheckpointStateHook'] == dict(
        name='PlainCheckpointStateHook',
        kind='hook',
        provider='onediff_kit',
        module='onediff_kit.engine.hooks.plain_checkpoint_state_hook')
    assert by_name['CPUAutocastOptimWrapper']['kind'] == 'optim_wrapper'


def test_list_filters_by_kind(capsys, tiny_plugin):
    assert main(['list', '--kind', 'hook']) == 0
    out = capsys.readouterr().out
    assert 'PlainCheckpointStateHook' in out
    assert 'CPUAutocastOptimWrapper' not in out


def test_list_unknown_kind_names_the_kinds(capsys):
    assert main(['list', '--kind', 'deltas']) == 2
    captured = capsys.readouterr()
    assert captured.out == ''
    assert 'unknown kind "deltas". Did you mean: delta?' in captured.err
    kinds = captured.err.split('The kinds are: ')[1].strip().split(', ')
    assert {'delta', 'encoder', 'decoder', 'hook', 'metric'} <= set(kinds)


def test_unknown_disabled_plugin_name_gets_close_matches():
    from onediff_kit.plugin_manager import unknown_disabled_names
    installed = ['onediff-data', 'onediff-metrics', 'onediff-models']
    messages = unknown_disabled_names(
        ['onediff-model', 'onediff-data', 'zzz'], installed)
    assert len(messages) == 2  # onediff-data is installed: no warning
    assert 'names "onediff-model"' in messages[0]
    assert 'did you mean: onediff-models' in messages[0]
    assert 'installed plugins: onediff-data, onediff-metrics, ' \
        'onediff-models' in messages[1]

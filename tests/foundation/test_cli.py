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

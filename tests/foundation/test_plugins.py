"""Plugin discovery through the onediff_kit.plugins entry-point group.

Each case runs `onediff list --json` in a fresh process whose sys.path holds
fake installed distributions (a dist-info folder with entry_points.txt), so
discovery is exercised exactly as for a pip-installed plugin.
"""
import json
import os
import subprocess
import sys
import textwrap

GOOD_PLUGIN = '''
import torch
from onediff_kit.hookspecs import hookimpl
from onediff_kit.models import BaseDelta


class FakeGoodDelta(BaseDelta):
    """Mean of the difference map."""

    def __init__(self, in_channels=(8, ), out_channels=8):
        super().__init__()
        self.out_channels = out_channels

    def forward(self, feats):
        diff = feats[-1][:, 1] - feats[-1][:, 0]
        return diff.flatten(2).mean(-1, keepdim=True).transpose(1, 2)


@hookimpl
def onediff_register_components(registries):
    registries.MODELS.register_module(module=FakeGoodDelta)
'''

BROKEN_PLUGIN = '''
raise ImportError('this plugin needs a package that is not installed')
'''


def make_dist(root, dist, module, source):
    (root / f'{module}.py').write_text(textwrap.dedent(source))
    info = root / f'{dist.replace("-", "_")}-0.1.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n')
    (info / 'top_level.txt').write_text(f'{module}\n')
    (info / 'entry_points.txt').write_text(
        f'[onediff_kit.plugins]\n{dist} = {module}\n')


def run_list(path, env_extra=None):
    env = dict(os.environ)
    env['PYTHONPATH'] = str(path) + os.pathsep + env.get('PYTHONPATH', '')
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, '-m', 'onediff_kit.cli.main', 'list', '--json'],
        capture_output=True,
        text=True,
        env=env,
        timeout=120)


def names(proc):
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {row['name']: row for row in json.loads(proc.stdout)}


def test_plugins_discovery_broken_and_blocked(tmp_path):
    make_dist(tmp_path, 'onediff-fake-good', 'onediff_fake_good',
              GOOD_PLUGIN)
    make_dist(tmp_path, 'onediff-fake-broken', 'onediff_fake_broken',
              BROKEN_PLUGIN)

    # A broken plugin is reported by name with its error; others still work.
    proc = run_list(tmp_path)
    rows = names(proc)
    assert rows['FakeGoodDelta']['kind'] == 'delta'
    assert rows['FakeGoodDelta']['provider'] == 'onediff-fake-good'
    assert 'PlainCheckpointStateHook' in rows
    assert 'onediff-fake-broken' in proc.stderr
    assert 'this plugin needs a package that is not installed' in proc.stderr

    # Blocked plugins are neither imported nor called; a name that no
    # installed plugin has (a typo) is warned about with close matches.
    proc = run_list(
        tmp_path,
        {'ONEDIFF_DISABLE_PLUGINS':
         'onediff-fake-good,onediff-fake-broken,onediff-fake-godo'})
    rows = names(proc)
    assert 'FakeGoodDelta' not in rows
    assert 'failed to import' not in proc.stderr
    assert 'PlainCheckpointStateHook' in rows
    assert ('names "onediff-fake-godo", which is not an installed onediff '
            'plugin; did you mean: onediff-fake-good' in proc.stderr)

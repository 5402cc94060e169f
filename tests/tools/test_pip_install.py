"""``pip install .`` (not ``make``) gives a working ``onediff`` with the
first-party plugins.

A copy of the checkout is pip-installed (non-editable) into a fresh venv.
Nothing is downloaded: the venv sees the dependencies already installed in
the project's venv through a ``.pth`` line (a directory named in a ``.pth``
file is put on ``sys.path``, but the ``.pth`` files inside it, the project's
editable install among them, are not run), and pip installs with
``--no-deps --no-index --ignore-installed``, so it never touches the
project's venv. ``onediff list`` must then show the first-party components,
imported from the pip-installed copy.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# build outputs, data and environments that a checkout may hold
NOT_COPIED = {'.git', '.venv', 'work_dirs', 'data', 'build', 'dist',
              '.dist_test', '.pytest_cache'}
FIRST_PARTY = {
    'MMPretrainEncoder': ('encoder', 'onediff-models'),
    'VisualDeltaModule': ('delta', 'onediff-models'),
    'TransformerCaptionDecoder': ('decoder', 'onediff-models'),
    'CaptionMetric': ('metric', 'onediff-metrics'),
    'DiffCaptionDataset': ('dataset', 'onediff-data'),
}
PACKAGES = ('onediff_kit', 'onediff_models', 'onediff_data',
            'onediff_metrics')
EXTRAS = {'xformers', 'web', 'lora', 'tensorboard'}

pytestmark = pytest.mark.slow


def _ignore(folder, names):
    ignored = {n for n in names if n == '__pycache__'
               or n.endswith('.egg-info')}
    if Path(folder) == REPO:
        ignored |= NOT_COPIED & set(names)
    return ignored


def _run(args, **kwargs):
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'PIP_REQUIRE_VIRTUALENV')}
    return subprocess.run([str(a) for a in args], capture_output=True,
                          text=True, env=env, timeout=300, **kwargs)


@pytest.fixture(scope='module')
def pip_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp('pip_install')
    src = root / 'src'
    shutil.copytree(REPO, src, ignore=_ignore, symlinks=True)
    venv = root / 'venv'
    proc = _run([sys.executable, '-m', 'venv', '--without-pip', venv])
    assert proc.returncode == 0, proc.stderr
    python = venv / 'bin' / 'python'
    site = Path(_run([python, '-c', 'import sysconfig; '
                      'print(sysconfig.get_paths()["purelib"])'
                      ]).stdout.strip())
    deps = {sysconfig.get_paths()[k] for k in ('purelib', 'platlib')}
    (site / '_onediff_test_deps.pth').write_text('\n'.join(sorted(deps)))
    proc = _run([
        python, '-m', 'pip', 'install', '--disable-pip-version-check',
        '--quiet', '--no-deps', '--no-build-isolation', '--no-index',
        '--ignore-installed', src
    ], cwd=root)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return dict(root=root, venv=venv, python=python, site=site)


def test_onediff_list_shows_first_party_plugins(pip_venv):
    onediff = pip_venv['venv'] / 'bin' / 'onediff'
    assert onediff.is_file(), 'pip did not install the onediff command'
    proc = _run([onediff, 'list', '--json'], cwd=pip_venv['root'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'failed' not in proc.stderr, proc.stderr[-3000:]
    rows = {row['name']: row for row in json.loads(proc.stdout)}
    for name, (kind, plugin) in FIRST_PARTY.items():
        assert name in rows, f'{name} missing from `onediff list`'
        assert rows[name]['kind'] == kind
        assert rows[name]['provider'] == plugin
        assert rows[name]['module'].split('.')[0] == plugin.replace('-', '_')
    assert rows['OneDiff']['provider'] == 'onediff_kit'


def test_packages_come_from_the_pip_installed_copy(pip_venv):
    code = ('import importlib, json; print(json.dumps({p: importlib.'
            f'import_module(p).__file__ for p in {PACKAGES!r}}}))')
    proc = _run([pip_venv['python'], '-c', code], cwd=pip_venv['root'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    for package, path in json.loads(proc.stdout).items():
        assert Path(path).is_relative_to(pip_venv['site']), (package, path)


def test_package_data_is_installed(pip_venv):
    """The scene vocabulary file comes with the installed copy."""
    code = ('from onediff_kit.data.scene_vocabulary import DEFAULT_FILE, '
            'load_scene_vocabulary; load_scene_vocabulary(); '
            'print(DEFAULT_FILE)')
    proc = _run([pip_venv['python'], '-c', code], cwd=pip_venv['root'])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert Path(proc.stdout.strip()).is_relative_to(pip_venv['site'])


def test_metadata_plugins_extras_and_ranges(pip_venv):
    """One distribution declares the three plugins and the extras, and its
    version ranges admit the measured stack the project's venv holds."""
    from importlib.metadata import PathDistribution, version

    from packaging.requirements import Requirement
    info, = pip_venv['site'].glob('onediff_kit-*.dist-info')
    dist = PathDistribution(info)
    plugins = {ep.name: ep.value for ep in dist.entry_points
               if ep.group == 'onediff_kit.plugins'}
    assert plugins == {'onediff-models': 'onediff_models.plugin',
                       'onediff-data': 'onediff_data.plugin',
                       'onediff-metrics': 'onediff_metrics.plugin'}
    assert EXTRAS <= set(dist.metadata.get_all('Provides-Extra'))
    assert (info / 'licenses' / 'LICENSE').is_file() or (
        info / 'LICENSE').is_file()
    for line in dist.requires:
        req = Requirement(line)
        if req.marker is not None:  # extras are not installed by make
            continue
        assert req.specifier.contains(version(req.name),
                                      prereleases=True), (
                                          f'{req} excludes the measured '
                                          f'{req.name} {version(req.name)}')
        # an exact pin belongs in requirements/, not in install_requires
        assert not any(s.operator == '==' for s in req.specifier), req

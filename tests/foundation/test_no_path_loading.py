"""Every module is imported as a package module: nothing edits ``sys.path``
or loads a file by its path (scripts in tools/ and bench/ included)."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ('onediff_kit', 'plugins', 'tools', 'bench', 'tests')
# Spelled in pieces so that this file does not match itself.
PATTERNS = re.compile('|'.join((
    r'sys\.path\.(insert|append|extend)\(', r'sys\.path\s*=[^=]',
    'spec_from_' + r'file_location\(', r'runpy\.run' + r'_path\(',
    r'exec\(open\(')))


def test_no_sys_path_edits_and_no_loading_by_path():
    found = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob('*.py')):
            text = path.read_text(encoding='utf-8')
            for number, line in enumerate(text.splitlines(), 1):
                if PATTERNS.search(line):
                    found.append(f'{path.relative_to(REPO)}:{number}: '
                                 f'{line.strip()}')
    assert not found, 'import these as modules instead:\n' + '\n'.join(found)

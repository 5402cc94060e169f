"""The core (onediff_kit/) names no component that a plugin registers: its
defaults come from configs or from what the plugins declare, so a plugin can
be swapped or switched off without touching the core."""
import ast
import inspect
import re
from pathlib import Path

from onediff_kit.registry import ALL_REGISTRIES

CORE = Path(__file__).resolve().parents[2] / 'onediff_kit'


def plugin_component_names():
    """Registered names, class names and import packages of every component
    whose source file lies under plugins/ (conftest.py has called
    onediff_kit.init())."""
    names = set()
    for registry in ALL_REGISTRIES:
        for name, obj in registry.module_dict.items():
            source = inspect.getsourcefile(obj) or ''
            if '/plugins/' in Path(source).as_posix():
                names.update({name, obj.__name__,
                              obj.__module__.split('.')[0]})
    return names


def docstring_nodes(tree):
    """The string constants that are docstrings (prose, not code)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(
                    body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def named_in(path, names):
    """``(line, name)`` for each code identifier or non-docstring string of
    ``path`` that is, or contains as a whole word, one of ``names``."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    skip = docstring_nodes(tree)
    word = re.compile(r'(?<![\w-])(' + '|'.join(
        re.escape(n) for n in sorted(names, key=len, reverse=True)) +
        r')(?![\w-])')
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in skip:
                continue
            hits += [(node.lineno, m) for m in word.findall(node.value)]
        elif isinstance(node, ast.Name) and node.id in names:
            hits.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in names:
            hits.append((node.lineno, node.attr))
        elif isinstance(node, ast.alias) and (
                {node.name.split('.')[0], node.name.split('.')[-1]} & names):
            hits.append((node.lineno, node.name))
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split('.')[0] in names:
            hits.append((node.lineno, node.module))
    return sorted(hits)


def test_plugins_register_components_to_look_for():
    names = plugin_component_names()
    # The scan below means something only if it has names to look for.
    assert {'CaptionMetric', 'SynthDiffGenerator', 'onediff_data'} <= names


def test_named_in_finds_a_string_and_an_identifier(tmp_path):
    source = tmp_path / 'x.py'
    source.write_text('"""Prose may say CaptionMetric."""\n'
                      "A = dict(type='CaptionMetric')\n"
                      'B = CaptionMetric\n'
                      "C = 'spot-the-diff-merged'\n"
                      'from onediff_metrics.caption_metric import x\n'
                      'import onediff_metrics\n')
    assert named_in(source, {'CaptionMetric', 'spot-the-diff',
                             'onediff_metrics'}) == [
        (2, 'CaptionMetric'), (3, 'CaptionMetric'),
        (5, 'onediff_metrics.caption_metric'), (6, 'onediff_metrics')]


def test_core_names_no_plugin_component():
    names = plugin_component_names()
    hits = [f'{path.relative_to(CORE.parent)}:{line}: {name}'
            for path in sorted(CORE.rglob('*.py'))
            for line, name in named_in(path, names)]
    assert not hits, ('the core names components that plugins register '
                      '(take the default from a config or from what the '
                      'plugin declares):\n' + '\n'.join(hits))

"""Splice the tables in bench/results/<name>.md into BENCHMARKS.md.

Each benchmark owns a block between marker comments:

    <!-- BEGIN <name> -->
    ... replaced by the content of bench/results/<name>.md ...
    <!-- END <name> -->

Blocks whose result file does not exist are left as they are; results
without a block in BENCHMARKS.md are reported (add the markers where the
section should go).

    .venv/bin/python -m bench.update_benchmarks [NAME ...]
"""
import argparse
import os
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'bench', 'results')
TARGET = osp.join(ROOT, 'BENCHMARKS.md')


def splice(text, name, body):
    pattern = re.compile(
        r'(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)' % (re.escape(name),
                                                        re.escape(name)),
        re.S)
    if not pattern.search(text):
        return text, False
    return pattern.sub(lambda m: m.group(1) + body.rstrip() + '\n' +
                       m.group(2), text, count=1), True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('names', nargs='*',
                   help='results to splice (default: every file in '
                   'bench/results/*.md)')
    p.add_argument('--target', default=TARGET)
    args = p.parse_args(argv)
    names = args.names or sorted(
        f[:-3] for f in os.listdir(RESULTS) if f.endswith('.md'))
    with open(args.target, encoding='utf-8') as f:
        text = f.read()
    missing = []
    for name in names:
        path = osp.join(RESULTS, name + '.md')
        if not osp.isfile(path):
            print(f'{name}: no {osp.relpath(path, ROOT)}; block kept')
            continue
        with open(path, encoding='utf-8') as f:
            body = f.read()
        text, found = splice(text, name, body)
        print(f'{name}: {"updated" if found else "NO MARKERS in target"}')
        if not found:
            missing.append(name)
    with open(args.target, 'w', encoding='utf-8') as f:
        f.write(text)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())

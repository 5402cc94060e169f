"""Splice the tables in bench/results/<name>.md into the benchmark records.

The records are ``bench/records/*.md`` (BENCHMARKS.md summarises them).
Each benchmark owns a block between marker comments in one of them:

    <!-- BEGIN <name> -->
    ... replaced by the content of bench/results/<name>.md ...
    <!-- END <name> -->

Blocks whose result file does not exist are left as they are; results
without a block in any record are reported (add the markers where the
section should go).

    .venv/bin/python -m bench.update_benchmarks [NAME ...]
"""
import argparse
import glob
import os
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'bench', 'results')
TARGETS = sorted(glob.glob(osp.join(ROOT, 'bench', 'records', '*.md')))


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
    p.add_argument('--target', nargs='+', default=TARGETS,
                   help='the markdown files holding the blocks')
    args = p.parse_args(argv)
    names = args.names or sorted(
        f[:-3] for f in os.listdir(RESULTS) if f.endswith('.md'))
    texts = {}
    for target in args.target:
        with open(target, encoding='utf-8') as f:
            texts[target] = f.read()
    missing = []
    for name in names:
        path = osp.join(RESULTS, name + '.md')
        if not osp.isfile(path):
            print(f'{name}: no {osp.relpath(path, ROOT)}; block kept')
            continue
        with open(path, encoding='utf-8') as f:
            body = f.read()
        where = None
        for target, text in texts.items():
            texts[target], found = splice(text, name, body)
            if found:
                where = osp.relpath(target, ROOT)
                break
        print(f'{name}: {"updated in " + where if where else "NO MARKERS"}')
        if where is None:
            missing.append(name)
    for target, text in texts.items():
        with open(target, 'w', encoding='utf-8') as f:
            f.write(text)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())

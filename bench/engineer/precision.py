#!/usr/bin/python3
"""Endpoint precision and recall of generated OpenAPI documents against a ground truth.

    precision.py [-v] ENDPOINTS.txt RAE_OPENAPI.json PEER_OPENAPI.json [MORE.json ...]

ENDPOINTS.txt holds one endpoint a line, `METHOD /path/{param}`; blank lines and everything
after a `#` are ignored. Each OPENAPI argument may be given as LABEL=FILE; without a label the
first is called "rae", the second "har-to-openapi", later ones by their file name.

An endpoint is (METHOD, path). Both sides are normalised the same way: the method upper-cased,
every `{...}` path template becomes `{}` (parameter names do not matter, only their place), a
trailing '/' is dropped (but not from "/"), and a path of the document's top-level servers (when
they all share one, e.g. https://host/api) is put in front of the document's paths. Every
method key of a path item counts, custom ones too (har-to-openapi keeps e.g. TEST_METHOD).

precision = found in truth / endpoints the document has
recall    = found in truth / endpoints in the truth
-v lists the missed and the extra endpoints. Exit status 2 on bad usage or unreadable input.
Standard library only.
"""
import json
import re
import sys
from urllib.parse import urlsplit

NOT_METHODS = {'parameters', 'servers', 'summary', 'description', '$ref'}
TEMPLATE_RE = re.compile(r'\{[^}/]*\}')


def norm_path(p):
    p = p.strip()
    p = p.split('?', 1)[0].split('#', 1)[0]
    if not p.startswith('/'):
        p = '/' + p
    p = TEMPLATE_RE.sub('{}', p)
    p = re.sub(r'/{2,}', '/', p)
    if len(p) > 1 and p.endswith('/'):
        p = p[:-1]
    return p


def read_truth(path):
    truth = set()
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) < 2:
                sys.exit('precision.py: %s:%d: expected "METHOD /path", got %r' % (path, n, line))
            truth.add((parts[0].upper(), norm_path(parts[1])))
    return truth


def server_prefix(doc):
    servers = doc.get('servers') or []
    prefixes = set()
    for s in servers:
        url = s.get('url', '') if isinstance(s, dict) else ''
        path = urlsplit(url).path if '://' in url else url
        prefixes.add(path.rstrip('/'))
    return prefixes.pop() if len(prefixes) == 1 else ''


def read_openapi(path):
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    prefix = server_prefix(doc)
    found = set()
    for p, item in (doc.get('paths') or {}).items():
        if not isinstance(item, dict):
            continue
        for key in item:
            if key in NOT_METHODS or key.startswith('x-'):
                continue
            found.add((key.upper(), norm_path(prefix + p)))
    return found


def main(argv):
    verbose = False
    if argv and argv[0] == '-v':
        verbose, argv = True, argv[1:]
    if len(argv) < 2 or any(a.startswith('-') for a in argv):
        sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
        return 2
    try:
        truth = read_truth(argv[0])
        docs = []
        for i, arg in enumerate(argv[1:]):
            label, sep, file = arg.partition('=')
            if not sep:
                file = arg
                label = ['rae', 'har-to-openapi'][i] if i < 2 else arg
            docs.append((label, read_openapi(file)))
    except (OSError, ValueError) as e:
        sys.stderr.write('precision.py: %s\n' % e)
        return 2

    width = max(len(l) for l, _ in docs)
    print('  %d endpoints in %s' % (len(truth), argv[0]))
    for label, found in docs:
        hit = found & truth
        prec = len(hit) / len(found) if found else 0.0
        rec = len(hit) / len(truth) if truth else 0.0
        print('  %-*s  precision %5.1f%% (%d/%d)  recall %5.1f%% (%d/%d)' % (
            width, label, 100 * prec, len(hit), len(found), 100 * rec, len(hit), len(truth)))
        if verbose:
            for m, p in sorted(truth - found, key=lambda e: (e[1], e[0])):
                print('  %-*s    missed %s %s' % (width, '', m, p))
            for m, p in sorted(found - truth, key=lambda e: (e[1], e[0])):
                print('  %-*s    extra  %s %s' % (width, '', m, p))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

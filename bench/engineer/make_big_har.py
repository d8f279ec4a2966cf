#!/usr/bin/python3
"""Make a large HAR for bench/engineer by repeating a source HAR's entries with varied ids.

    make_big_har.py SRC.har OUT.har [TARGET_MB=100] [--seed N]

Writes SRC's log (version, creator, pages, ...) with its entries repeated until OUT is about
TARGET_MB megabytes (1 MB = 10^6 bytes; it stops at the first whole entry past the target).
Repetition 0 is the source unchanged; every later repetition is a new "session":

  * each number that follows a '/' (path segments such as /api/status/200, /users/42, also in
    the :path and referer headers) is mapped to a fresh number of the same length,
  * each UUID (in URLs, headers, bodies, cookies) is mapped to a fresh UUID,
  * numeric values of JSON keys ending in "id"/"Id"/"ID" (e.g. "userId": 17) are remapped,
  * startedDateTime is shifted so the repetitions follow one another in time.

A mapping is consistent within a repetition (the URL, the :path header and a body that echo the
same id keep agreeing) and new for each repetition, so the copies are not byte-identical and a
tool that does not generalise ids sees new paths. Digits only replace digits and hex only hex,
so the output stays valid JSON. It is deterministic: the same SRC, TARGET_MB and seed give
the same bytes.

Layout follows the source: an indented source (the corpus file uses 2 spaces) gives an output
indented the same way, a compact source a compact output. Standard library only.
"""
import datetime
import json
import random
import re
import sys

UUID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
# A run of digits right after '/', not part of a version such as Mozilla/5.0 or Chrome/104.0.
PATH_NUM_RE = re.compile(r'(?<=/)\d+(?![\d.])')
# "someId": 123 in JSON, also inside an escaped body string (\"someId\":123).
ID_NUM_RE = re.compile(r'([iI][dD]\\?"\s*:\s*)(\d+)')
TIME_RE = re.compile(r'("startedDateTime"\s*:\s*")([^"]+)(")')


def usage():
    sys.stderr.write('usage: make_big_har.py SRC.har OUT.har [TARGET_MB=100] [--seed N]\n')
    sys.exit(2)


def parse_time(s):
    try:
        return datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
    except ValueError:
        return None


def fmt_time(dt, like):
    out = dt.isoformat(timespec='milliseconds')
    if like.endswith('Z') and out.endswith('+00:00'):
        out = out[:-6] + 'Z'
    return out


class Rep:
    """The id mappings of one repetition."""

    def __init__(self, rng, shift):
        self.rng = rng
        self.shift = shift
        self.nums = {}
        self.uuids = {}

    def num(self, s):
        new = self.nums.get(s)
        if new is None:
            n = len(s)
            if n == 1:
                new = str(self.rng.randrange(1, 10))
            else:
                new = str(self.rng.randrange(10 ** (n - 1), 10 ** n))
            self.nums[s] = new
        return new

    def uuid(self, m):
        s = m.group(0)
        key = s.lower()
        new = self.uuids.get(key)
        if new is None:
            h = '%032x' % self.rng.getrandbits(128)
            h = h[:12] + '4' + h[13:16] + '89ab'[self.rng.randrange(4)] + h[17:]
            new = '%s-%s-%s-%s-%s' % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
            self.uuids[key] = new
        return new.upper() if s.isupper() else new

    def time(self, m):
        dt = parse_time(m.group(2))
        if dt is None or not self.shift:
            return m.group(0)
        return m.group(1) + fmt_time(dt + self.shift, m.group(2)) + m.group(3)

    def apply(self, text):
        text = UUID_RE.sub(self.uuid, text)
        text = PATH_NUM_RE.sub(lambda m: self.num(m.group(0)), text)
        text = ID_NUM_RE.sub(lambda m: m.group(1) + self.num(m.group(2)), text)
        text = TIME_RE.sub(self.time, text)
        return text


def main(argv):
    args, seed = [], 1
    i = 0
    while i < len(argv):
        if argv[i] == '--seed' and i + 1 < len(argv):
            seed = int(argv[i + 1])
            i += 2
            continue
        if argv[i].startswith('-'):
            usage()
        args.append(argv[i])
        i += 1
    if len(args) not in (2, 3):
        usage()
    src, out = args[0], args[1]
    target = int(float(args[2] if len(args) == 3 else 100) * 1e6)

    with open(src, 'rb') as f:
        raw = f.read()
    doc = json.loads(raw)
    entries = doc['log']['entries']
    if not entries:
        sys.exit('make_big_har.py: %s has no entries' % src)

    # Indentation of the source: the leading whitespace of its second line, or compact.
    lines = raw.split(b'\n', 2)
    indent = None
    if len(lines) > 1:
        ws = len(lines[1]) - len(lines[1].lstrip(b' \t'))
        if ws:
            indent = ws
    dump = (lambda o: json.dumps(o, indent=indent, ensure_ascii=False)) if indent else \
        (lambda o: json.dumps(o, separators=(',', ':'), ensure_ascii=False))

    sentinel = '"__rae_bench_entries__"'
    shell = dict(doc)
    shell['log'] = dict(doc['log'])
    shell['log']['entries'] = ['__rae_bench_entries__']
    head, tail = dump(shell).split(sentinel)
    if indent:
        pad = head[head.rfind('\n') + 1:]       # the entries' own indentation
        sep = ',\n' + pad
        base = [dump(e).replace('\n', '\n' + pad) for e in entries]
    else:
        sep = ','
        base = [dump(e) for e in entries]

    times = [parse_time(e.get('startedDateTime', '')) for e in entries]
    times = [t for t in times if t is not None]
    period = (max(times) - min(times) if times else datetime.timedelta(0)) + datetime.timedelta(minutes=1)

    written = 0
    reps = 0
    count = 0
    with open(out, 'w', encoding='utf-8', newline='\n') as f:
        f.write(head)
        written += len(head.encode())
        first = True
        while written < target:
            rep = None if reps == 0 else Rep(random.Random(seed * 1000003 + reps), period * reps)
            for text in base:
                if rep is not None:
                    text = rep.apply(text)
                chunk = text if first else sep + text
                first = False
                f.write(chunk)
                written += len(chunk.encode())
                count += 1
                if written >= target:
                    break
            reps += 1
        f.write(tail)
        f.write('\n')
        written += len(tail.encode()) + 1
    sys.stderr.write('make_big_har.py: %s: %d entries (%d repetitions of %d), %.1f MB, %s\n' % (
        out, count, reps, len(entries), written / 1e6,
        'indented %d like the source' % indent if indent else 'compact like the source'))


if __name__ == '__main__':
    main(sys.argv[1:])

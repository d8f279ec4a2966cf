#!/usr/bin/python3
"""rae engineer on a HAR whose every string is hostile: response keys, a MIME type, a path, a
host, query names, header names and values, request fields, the creator. The site (or whoever
wrote the HAR) chooses them all; the generated api_client.py and replay.py must hold them as text:
they compile, importing the client and asking replay.py for its help run nothing of the HAR's,
and .env keeps to KEY=VALUE lines.

    engineer_hostile.py RAE OUTDIR
"""
import json
import os
import shutil
import subprocess
import sys

RAE, OUT = sys.argv[1], sys.argv[2]
PY = "/usr/bin/python3"  # Debian's, with httpx (python3-httpx)
MARK = os.path.join(OUT, "PWNED")


def fail(msg):
    print("FAIL engineer_hostile: " + msg)
    sys.exit(1)


def payloads():
    """Strings that would end a docstring, a string, a comment or an f-string's text, each writing
    MARK when they get to run."""
    act = "open(%r, 'w').write('x')" % MARK
    return ['"""\n%s#' % act, "'''\n%s#" % act, '"\n%s#' % act, "{%s}" % act,
            "\\\n%s" % act, '\r\n"""); %s; ("""' % act, "\u2028%s" % act]


def entry(method, url, status, body, req=None, headers=(), mime="application/json"):
    e = {"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
         "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Accept", "value": "application/json"}] + list(headers),
                     "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1},
         "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                      "headers": [{"name": "Content-Type", "value": mime}], "cookies": [],
                      "content": {"size": 10, "mimeType": mime, "text": json.dumps(body)},
                      "redirectURL": "", "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    if req is not None:
        e["request"]["postData"] = {"mimeType": "application/json", "text": json.dumps(req)}
    return e


def hostile_har():
    p = payloads()
    obj = {k: i for i, k in enumerate(p)}
    obj.update({"id": 5, "items": [{k: 1 for k in p}], "next": p[0], "name": p[3]})
    q = "&".join("%s=1" % k.replace("\n", "%0A").replace('"', "%22").replace("#", "%23")
                 .replace("{", "%7B").replace("}", "%7D") for k in p)
    return {"log": {"version": "1.2", "creator": {"name": p[0], "version": p[1]}, "pages": [],
                    "entries": [
        entry("GET", "http://app.test/api/items?cursor=abc", 200, obj),
        entry("GET", "http://app.test/api/items?cursor=" + "def", 200, obj),
        entry("POST", "http://app.test/api/items", 201, obj, req={k: k for k in p}),
        entry("GET", "http://app.test/api/items/5?" + q, 200, obj, mime='application/json; x="""\n'
              + "open(%r,'w')#" % MARK),
        entry("GET", 'http://app.test/api/we"ird/%7Bx%7D/%22%22%22/x', 200, obj),
        entry("GET", "http://api.other.test/v1/things", 200, obj,
              headers=[{"name": "X-Api-Key", "value": p[0]}, {"name": p[0], "value": p[1]}]),
        entry("GET", "http://x{__import__('os').getcwd()}\"y.test/v2/z", 200, obj),
        entry("DELETE", "http://app.test/api/items/5", 204, {}),
        # a cursor whose query name would end the iterator's docstring
        entry("GET", "http://app.test/api/pages?c%22%22%22%5Cx=first", 200,
              {"items": [{"id": 1}], "next": "eyJvZmZzZXQiOjEwfQ"}),
        entry("GET", "http://app.test/api/pages?c%22%22%22%5Cx=eyJvZmZzZXQiOjEwfQ", 200,
              {"items": [{"id": 2}], "next": None}),
    ]}}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    har = os.path.join(OUT, 'hostile """.har')  # the file's name reaches docstrings too
    with open(har, "w") as f:
        json.dump(hostile_har(), f)
    out = os.path.join(OUT, "client")
    r = subprocess.run([RAE, "engineer", har, "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        fail("rae engineer: %s" % r.stderr[-500:])
    for name in ("api_client.py", "replay.py"):
        c = subprocess.run([PY, "-m", "py_compile", name], cwd=out, capture_output=True, text=True)
        if c.returncode != 0:
            fail("%s does not compile: %s" % (name, c.stderr[-800:]))
    for args in (["-c", "import api_client"], ["replay.py", "--help"]):
        c = subprocess.run([PY] + args, cwd=out, capture_output=True, text=True, timeout=60)
        if c.returncode != 0:
            fail("%s: %s" % (" ".join(args), c.stderr[-800:]))
    if os.path.exists(MARK):
        fail("text from the HAR ran as code in the generated client")
    with open(os.path.join(out, ".env")) as f:
        for line in f:
            if line.strip() and not line.startswith("#") and not line.startswith("RAE_"):
                fail(".env has a line that is not a setting: %r" % line)
    print("PASS engineer_hostile")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""rae serve against bad input to every route: malformed JSON (truncated, not an object, wrong
types, deep nesting, invalid UTF-8), 10 MB and 200 MB bodies, one 20 KB header and 500 headers,
NUL and '..' (raw, %2e%2e, encoded slashes) in every path and query parameter, and senders that
send the head or the body a byte at a time. Every one gets a 4xx with a JSON error that names the
problem (never a 5xx, a close without an answer, or a hang), with a real user's token (so the
input reaches the handler) and without one; /healthz answers throughout, and the server is alive
with its data intact at the end.

The routes come from the OpenAPI document the server serves (GET /api/openapi.json), and every
route of src/server/routes.c must be among them: a new route is swept without a change here.

    serve_badinput.py RAE OUTDIR

bench/serve/badinput.py runs the same sweep (sweep() below) and prints /healthz's figures.
"""
import errno
import json
import os
import re
import select
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import openapi_check  # noqa: E402
import servelib as sl  # noqa: E402

ANSWER_WAIT_S = 20  # no answer this long: a hang
HEAD_SLOW_S = 0.5  # a byte of the head every this long: it never ends within the server's wait
BODY_SLOW_S = 1.0  # a byte of the body every this long


# ---- one exchange on a connection of its own ----

class Answer:
    """What came back: status (0: none), headers (lowercase names), body, doc (its JSON or None),
    how ('answered', 'closed' without an answer, 'timeout'), sent (body bytes sent) and elapsed."""

    def __init__(self):
        self.status, self.headers, self.body, self.doc = 0, {}, b"", None
        self.how, self.sent, self.elapsed = "timeout", 0, 0.0

    def message(self):
        err = self.doc.get("error") if isinstance(self.doc, dict) else None
        return err.get("message", "") if isinstance(err, dict) else ""


def _parse(raw, ans):
    """Fills ans from raw when it holds a whole response; True then."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        ans.status = -1
        return True
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    n = int(headers.get("content-length", "-1"))
    if n < 0 or len(rest) < n:
        return False
    ans.status, ans.headers, ans.body = int(m.group(1)), headers, rest[:n]
    try:
        ans.doc = json.loads(ans.body) if ans.body else None
    except ValueError:
        ans.doc = None
    return True


PIECE = b"x" * 65536


def exchange(port, head, body=b"", body_len=None, pace=0.0, pace_head=0.0, source="127.0.0.1",
             wait=ANSWER_WAIT_S):
    """Sends head (bytes) and then body on a new connection, reading all the while; stops sending
    as soon as an answer comes or the connection closes (as a client should). body_len: send that
    many bytes of 'x' instead of body (in 64 KB pieces). pace_head/pace: seconds between the
    bytes of the head/body (a slow sender)."""
    ans, raw, t0 = Answer(), b"", time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    except OSError as e:
        ans.how = "connect failed: %s" % e
        return ans
    s.setblocking(False)
    out = [head[i:i + 1] for i in range(len(head))] if pace_head else [head]
    head_pieces = len(out)
    if body_len is not None:  # the same piece again and again (made once)
        out += [PIECE] * (body_len // len(PIECE)) + [PIECE[:body_len % len(PIECE)]]
    elif pace:
        out += [body[i:i + 1] for i in range(len(body))]
    elif body:
        out.append(body)
    i, pending, next_at, sending = 0, b"", 0.0, True
    try:
        while time.time() - t0 < wait:
            now = time.time()
            more = sending and (pending or i < len(out))
            want_write = more and now >= next_at
            r, w, _ = select.select([s], [s] if want_write else [], [],
                                    min(0.5, max(0.0, next_at - now)) if more else 0.05)
            if r:
                try:
                    chunk = s.recv(65536)
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                        continue
                    chunk = b""
                if not chunk:
                    ans.how = "answered" if _parse(raw, ans) else "closed"
                    break
                raw += chunk
                sending = False  # answered (or answering): send no more
                if _parse(raw, ans):
                    ans.how = "answered"
                    break
            if w and sending:
                if not pending:
                    pending = out[i]
                    i += 1
                try:
                    n = s.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    sending = False
                    continue
                except BlockingIOError:
                    continue
                if i > head_pieces:
                    ans.sent += n
                pending = pending[n:]
                if not pending:
                    slow = pace_head if i <= head_pieces else pace
                    next_at = time.time() + slow if slow else 0.0
    finally:
        s.close()
    ans.elapsed = time.time() - t0
    return ans


def request_head(method, path, headers=(), token=None, body=b"", content_length=None,
                 chunked=False):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1", "Connection: close"]
    if token:
        lines.append("Authorization: Bearer " + token)
    if body or content_length is not None or chunked:
        lines.append("Content-Type: application/json")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif body or content_length is not None:
        lines.append("Content-Length: %d" % (len(body) if content_length is None
                                             else content_length))
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# ---- the routes ----

class Op:
    """One operation of the OpenAPI document: method, template ("/api/sprite/{id}"), path and
    query parameter names, its body's properties ({name: schema}) and required ones, whether it
    needs sign-in, and whether it is a WebSocket only."""

    def __init__(self, method, template, item, op, doc):
        self.method, self.template = method, template
        params = [openapi_check.deref(doc, p)
                  for p in item.get("parameters", []) + op.get("parameters", [])]
        self.path_params = re.findall(r"\{([^}]+)\}", template)
        self.query = [p["name"] for p in params if isinstance(p, dict) and p.get("in") == "query"]
        self.props, self.required = {}, []
        rb = openapi_check.deref(doc, op.get("requestBody"))
        if isinstance(rb, dict):
            schema = openapi_check.deref(
                doc, rb.get("content", {}).get("application/json", {}).get("schema"))
            if isinstance(schema, dict):
                self.props = {k: openapi_check.deref(doc, v)
                              for k, v in schema.get("properties", {}).items()}
                self.required = schema.get("required", [])
        self.signed_in = openapi_check.requires_sign_in(op.get("security", doc.get("security")))
        self.websocket = "101" in op.get("responses", {})

    def __str__(self):
        return "%s %s" % (self.method, self.template)

    def path(self, values, query=None):
        """The path with each {name} from values (raw text, put in as is), and a query."""
        p = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], self.template)
        return p + ("?" + query if query else "")


def operations(port):
    """The operations of GET /api/openapi.json; fails when a route of routes.c is not among
    them (then this sweep would miss it)."""
    a = exchange(port, request_head("GET", "/api/openapi.json"))
    if a.status != 200 or not isinstance(a.doc, dict):
        sl.fail("GET /api/openapi.json: %s %s" % (a.status, a.how))
    doc, ops = a.doc, []
    for template, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in openapi_check.METHODS:
                ops.append(Op(method.upper(), template, item, op, doc))
    problems = []
    routes = openapi_check.parse_routes(os.path.join(ROOT, "src", "server", "routes.c"), problems)
    swept = {(o.method, openapi_check.template_key(o.template)) for o in ops}
    for method, pattern, _ in routes:
        words = openapi_check.EXPANSIONS.get((method, pattern))
        keys = [pattern[:-2] + w for w in words] if words else [pattern]
        problems += ["%s %s is a route of routes.c that the sweep does not reach (not in the "
                     "served OpenAPI document)" % (method, k) for k in keys
                     if (method, k) not in swept]
    if problems or not routes:
        sl.fail("; ".join(problems) or "no route read from routes.c")
    return ops


# ---- the cases ----

MALFORMED = [  # (what, body): none is a JSON object
    ("truncated object", b'{"url": "http://x'),
    ("truncated array", b"[1, 2"),
    ("a bare word", b"nul"),
    ("a missing colon", b'{"a" 1}'),
    ("a trailing comma", b'{"a": 1,}'),
    ("an array", b"[]"),
    ("a string", b'"x"'),
    ("a number", b"5"),
    ("null", b"null"),
    ("invalid UTF-8 outside strings", b"\xff\xfe{}"),
    ("invalid UTF-8 in a string", b'{"comment": "\xc3\x28"}'),
    ("an overlong encoding", b'{"comment": "\xc0\xaf"}'),
    ("arrays 20,000 deep", b"[" * 20000 + b"]" * 20000),
    ("objects 5,000 deep", b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ("a NUL byte after it", b'{"a": 1}\x00'),
    ("an escaped NUL", b'{"comment": "a\\u0000b"}'),
]

WRONG = {"string": [5, True, [], {}], "boolean": ["yes", 1, [], {}],
         "integer": ["5", 1.5, []], "number": ["5", []], "object": ["x", 5, []],
         "array": ["x", 5, {}]}
GOOD = {"string": "x", "boolean": True, "integer": 1, "number": 1, "object": {}, "array": []}

# (what, raw value for a path parameter ({good}: the one that exists), words the error names: one
# of them, or () for any)
BAD_SEGMENTS = [
    ("NUL", "%00", ("NUL",)),
    ("NUL inside", "a%00b", ("NUL",)),
    ("..", "..", ("..",)),
    ("%2e%2e", "%2e%2e", ("..",)),
    ("%2E%2e", "%2E%2e", ("..",)),
    (".", "%2e", ("'.'",)),
    ("../ up two", "..%2f..", ("..", "slash")),
    ("an encoded slash", "a%2fb", ("slash",)),
    ("around, back to itself", "x%2f..%2f{good}", ("slash",)),  # lws: the real one
    ("an encoded backslash", "a%5cb", ()),
    ("a lone %", "%", ("escape",)),
    ("a bad escape", "%zz", ("escape",)),
    ("CR LF", "a%0d%0aX-Injected:%20y", ("control",)),
    ("invalid UTF-8", "%ff%fe", ()),
    ("300 bytes", "a" * 300, ()),
]

BAD_QUERY = [  # (what, raw value, words)
    ("NUL", "%00", ("NUL",)),
    ("NUL inside", "/workspace/a%00b", ("NUL",)),
    ("up and out", "../../../etc/passwd", ()),
    ("%2e%2e out", "/workspace/%2e%2e/%2e%2e/etc/passwd", ()),
    ("a bad escape", "%zz", ("escape",)),
    ("a lone %", "/workspace/%", ("escape",)),
    ("control characters", "/workspace/a%0d%0ab", ()),
]


class Sweep:
    """The cases against one server: port, a user's token, the values of path parameters that
    exist (e.g. {"id": the user's sprite}), and the problems found."""

    def __init__(self, port, token, good):
        self.port, self.token, self.good = port, token, good
        self.problems, self.count, self.lock = [], 0, threading.Lock()

    def check(self, what, ans, statuses=None, words=(), unauth_ok=False):
        """ans must be a 4xx (one of statuses) with {error: {code, message}} whose message holds
        one of words (case-insensitive). unauth_ok: a 401 will do (no sign-in)."""
        with self.lock:
            self.count += 1
        problem = None
        if ans.how != "answered":
            problem = {"closed": "the connection closed without an answer",
                       "timeout": "no answer within %d s (a hang)" % ANSWER_WAIT_S}.get(
                           ans.how, ans.how)
        elif ans.status == -1:
            problem = "not an HTTP/1.1 response"
        elif not 400 <= ans.status < 500:
            problem = "status %d, wanted a 4xx" % ans.status
        elif not ans.headers.get("content-type", "").startswith("application/json") or \
                not isinstance(ans.doc, dict) or not ans.doc.get("error", {}).get("code") or \
                not ans.message():
            problem = "status %d without a JSON error: %r" % (ans.status, ans.body[:120])
        elif unauth_ok and ans.status == 401:
            problem = None
        elif statuses and ans.status not in statuses:
            problem = "status %d (%s), wanted %s" % (ans.status, ans.message(), statuses)
        elif words and not any(w.lower() in ans.message().lower() for w in words):
            problem = "status %d: the message does not name the problem (%s): %s" % (
                ans.status, " or ".join(words), ans.message())
        if problem:
            with self.lock:
                self.problems.append("%s: %s" % (what, problem))
        return problem is None

    def values(self, op):
        return {p: self.good.get(p, "none") for p in op.path_params}

    def auths(self, op):
        """(label, token) pairs: as the user, and as no one."""
        return [("user", self.token), ("no one", None)]

    def send(self, op, token, path=None, body=b"", headers=(), **kw):
        head = request_head(op.method, path or op.path(self.values(op)), headers, token, body,
                            kw.pop("content_length", None), kw.pop("chunked", False))
        return exchange(self.port, head, body, **kw)

    def bodies(self, op):
        for label, token in self.auths(op):
            for what, body in MALFORMED:
                a = self.send(op, token, body=body)
                self.check("%s as %s, a body of %s" % (op, label, what), a, (400, 426),
                           ("JSON", "WebSocket"), unauth_ok=op.signed_in and not token)

    def wrong_types(self, op):
        for label, token in self.auths(op):
            for name, schema in op.props.items():
                for wrong in WRONG.get(schema.get("type"), []):
                    body = {k: GOOD.get(op.props[k].get("type"), "x") for k in op.required}
                    body[name] = wrong
                    a = self.send(op, token, body=json.dumps(body).encode())
                    self.check("%s as %s, %s: %s" % (op, label, name, json.dumps(wrong)), a,
                               (400, 426), (name, "WebSocket"),
                               unauth_ok=op.signed_in and not token)

    def big_bodies(self, op):
        sizes = [("10 MB", 10 << 20, False), ("10 MB chunked", 10 << 20, True),
                 ("200 MB", 200 << 20, False)]
        for label, token in self.auths(op):
            for what, n, chunked in sizes:
                if chunked:  # one chunk of n bytes, announced: its bytes follow
                    head = request_head(op.method, op.path(self.values(op)), (), token,
                                        chunked=True) + b"%x\r\n" % n
                    a = exchange(self.port, head, body_len=n)
                else:
                    a = self.send(op, token, body_len=n, content_length=n)
                ok = self.check("%s as %s, a body of %s" % (op, label, what), a,
                                (411,) if chunked else (413,),
                                ("Content-Length",) if chunked else ("bytes",))
                if ok and a.sent > min(n // 2, 16 << 20):
                    self.problems.append("%s as %s, a body of %s: answered only after %d MB "
                                         "were sent" % (op, label, what, a.sent >> 20))

    def lengths(self, op):
        """Bodies whose length is not said once in digits."""
        cases = [("Content-Length: abc", ["Content-Length: abc"], 400),
                 ("Content-Length: -1", ["Content-Length: -1"], 400),
                 ("Content-Length: 1e3", ["Content-Length: 1e3"], 400),
                 ("a 40-digit Content-Length", ["Content-Length: " + "9" * 40], 400),
                 ("two Content-Lengths", ["Content-Length: 2", "Content-Length: 2"], 400),
                 ("a length and chunked", ["Content-Length: 2", "Transfer-Encoding: chunked"],
                  400),
                 ("chunked", ["Transfer-Encoding: chunked"], 411)]
        for label, token in self.auths(op):
            for what, headers, status in cases:
                head = request_head(op.method, op.path(self.values(op)),
                                    ["Content-Type: application/json"] + headers, token)
                a = exchange(self.port, head, b"2\r\n{}\r\n0\r\n\r\n")
                self.check("%s as %s, %s" % (op, label, what), a, (status,),
                           ("Content-Length",))

    def big_headers(self, op):
        for label, token in self.auths(op):
            a = self.send(op, token, headers=["X-Filler: " + "a" * 20000])
            self.check("%s as %s, one 20 KB header" % (op, label), a, (431,), ("header",))
            a = self.send(op, token, headers=["X-H%d: v" % i for i in range(500)])
            self.check("%s as %s, 500 headers" % (op, label), a, (431,), ("header",))

    def path_params(self, op):
        for label, token in self.auths(op):
            for param in op.path_params:
                for what, value, words in BAD_SEGMENTS:
                    values = self.values(op)
                    values[param] = value.replace("{good}", values[param])
                    a = self.send(op, token, path=op.path(values))
                    self.check("%s as %s, {%s} %s (%s)" % (op, label, param, what, value), a,
                               None, words, unauth_ok=op.signed_in and not token)

    def query_params(self, op):
        for label, token in self.auths(op):
            for name in op.query:
                for what, value, words in BAD_QUERY:
                    a = self.send(op, token, path=op.path(self.values(op), name + "=" + value))
                    self.check("%s as %s, ?%s= %s (%s)" % (op, label, name, what, value), a,
                               None, words + (("WebSocket",) if words else ()),
                               unauth_ok=op.signed_in and not token)

    def slow_but_whole(self, op, source):
        """The head, then a malformed body, a byte at a time but quickly: the same 400 as at
        once."""
        for label, token in self.auths(op):
            body = b'{"a": [1, 2'
            head = request_head(op.method, op.path(self.values(op)), (), token, body)
            a = exchange(self.port, head, body, pace_head=0.002, pace=0.02, source=source)
            self.check("%s as %s, head and body a byte at a time" % (op, label), a, (400, 426),
                       ("JSON", "WebSocket"), unauth_ok=op.signed_in and not token)

    def slow_head(self, op, source):
        """A head that never ends: a byte every HEAD_SLOW_S."""
        head = request_head(op.method, op.path(self.values(op)), ["X-Slow: " + "s" * 200],
                            self.token)
        a = exchange(self.port, head, pace_head=HEAD_SLOW_S, source=source, wait=60)
        self.check("%s, a head that comes a byte every %.1f s" % (op, HEAD_SLOW_S), a, (408,),
                   ("head",))
        return a

    def slow_body(self, op, source):
        """A body of 200 bytes, a byte every BODY_SLOW_S."""
        head = request_head(op.method, op.path(self.values(op)), (), self.token,
                            content_length=200)
        a = exchange(self.port, head, b"x" * 200, pace=BODY_SLOW_S, source=source, wait=90)
        self.check("%s, a body that comes a byte every %.1f s" % (op, BODY_SLOW_S), a, (408,),
                   ("body",))
        return a


# The cases that are answered at once, in the order they run for each route.
FAST_STEPS = ("bodies", "wrong_types", "lengths", "big_bodies", "big_headers", "path_params",
              "query_params")


def sorted_ops(port):
    """The operations, those that change something last: a case that got through would change
    it under the cases that follow (the sprite's DELETE most of all)."""
    return sorted(operations(port), key=lambda o: (o.method == "DELETE", o.method != "GET"))


def in_parallel(fn, ops, source):
    """fn(op, source) for every op at once, each on a thread; joins them."""
    threads = [threading.Thread(target=fn, args=(op, source), daemon=True) for op in ops]
    for t in threads:
        t.start()
    return threads


def sweep(port, token, good, log=print):
    """Every case against every operation; returns the Sweep (its problems and count). The slow
    senders run meanwhile, from other loopback addresses (each address may hold 64 connections)."""
    sw = Sweep(port, token, good)
    ops = sorted_ops(port)
    log("   %d operations: %s" % (len(ops), ", ".join(str(o) for o in ops)))
    slow = in_parallel(sw.slow_body, ops, "127.0.0.3") + in_parallel(sw.slow_head, ops,
                                                                     "127.0.0.4")
    steps = FAST_STEPS
    spent = {step: [0, 0.0] for step in steps}
    for op in ops:  # each route all its cases, before the next (the destructive ones last)
        for step in steps:
            t0, n0 = time.time(), sw.count
            getattr(sw, step)(op)
            spent[step][0] += sw.count - n0
            spent[step][1] += time.time() - t0
    for step in steps:
        log("   %-13s %4d requests, %.1f s" % (step, spent[step][0], spent[step][1]))
    t0, n0 = time.time(), sw.count
    for t in in_parallel(sw.slow_but_whole, ops, "127.0.0.5"):
        t.join()
    log("   %-13s %4d requests, %.1f s" % ("slow, whole", sw.count - n0, time.time() - t0))
    for t in slow:
        t.join()
    return sw


# ---- the test ----

def in_sprite(sid, *argv):
    rc, out, err = sl.rae("sprite", "exec", sid, "--", *argv)
    if rc != 0:
        sl.fail("in the sprite: %s" % err[-2000:])
    return out


def fixture(port):
    """A first admin, the user alice with a token, her sprite with two files and a checkpoint:
    (alice's Client, token, sprite id, checkpoint id)."""
    sl.add_user("alice", "alice-password")
    rc, token, err = sl.rae("token", "create", "alice", "--label", "badinput")
    token = token.strip()
    if rc != 0 or not token:
        sl.fail("rae token create: %s" % err)
    alice = sl.Client(port)
    alice.bearer = token
    sid = alice.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
    in_sprite(sid, "sh", "-c", "printf kept > /workspace/kept.txt; "
              "printf odd > '/workspace/a&b%41+c d.txt'")
    cid = alice.call("POST", "/api/sprite/%s/checkpoint" % sid, {"comment": "before"},
                     expect=201)[1]["id"]
    return alice, token, sid, cid


def intact(server, port, alice, token, sid, cid):
    """Fails unless the server lives and alice's sprite, files and checkpoint are as fixture()
    left them, no browser runs, and she can still sign in."""
    if server.proc.poll() is not None:
        sl.fail("rae serve died during the sweep (see %s/serve.log)" % sl.CTX["out"])
    alice.call("GET", "/api/sprite/%s" % sid, expect=200)
    ks = alice.call("GET", "/api/sprite/%s/checkpoint" % sid, expect=200)[1]["checkpoints"]
    if [(k["id"], k["comment"]) for k in ks] != [(cid, "before")]:
        sl.fail("the checkpoints changed: %s" % ks)
    if in_sprite(sid, "cat", "/workspace/kept.txt") != "kept":
        sl.fail("/workspace/kept.txt changed")
    # a query value is decoded once: '&', '%' and '+' in a file's name reach the file
    odd = "/api/sprite/%s/files?path=/workspace/a%%26b%%2541%%2Bc%%20d.txt" % sid
    a = exchange(port, request_head("GET", odd, (), token))
    if a.status != 200 or a.body != b"odd":
        sl.fail("GET %s: %s %r (the query was decoded twice?)" % (odd, a.status, a.body[:200]))
    if alice.call("GET", "/api/sprite/%s/browser/status" % sid, expect=200)[1]["running"]:
        sl.fail("a browser was started by bad input")
    if len(alice.call("GET", "/api/sprite", expect=200)[1]["sprites"]) != 1:
        sl.fail("the sprites changed")
    sl.Client(port).login("alice", "alice-password")


def main():
    rae_bin, out = sys.argv[1], sys.argv[2]
    sl.setup("serve_badinput", rae_bin, out)
    sl.fresh_out()
    port = sl.free_port()
    server = sl.Server(port)
    try:
        sl.first_admin(server, port)
        alice, token, sid, cid = fixture(port)
        print("== bad input to every route, as alice (a token) and as no one")
        watch = sl.HealthWatch(port, every=0.05)
        t0 = time.time()
        sw = sweep(port, token, {"id": sid, "cid": cid, "runId": "run-none"})
        w = watch.stop()
        print("   %d requests in %.0f s; /healthz: %d answers, p50 %.0f ms, p99 %.0f ms, slowest "
              "%.0f ms, %d failed" % (sw.count, time.time() - t0, w["n"], w["p50"], w["p99"],
                                      w["max"], w["errors"]))
        with open(os.path.join(out, "problems.txt"), "w") as f:
            f.write("".join(p + "\n" for p in sw.problems))
        for p in sw.problems[:40]:
            print("   FAIL " + p)
        if len(sw.problems) > 40:
            print("   ... and %d more (all in %s/problems.txt)" % (len(sw.problems) - 40, out))
        print("== the server is alive, its data intact; /healthz answered throughout")
        intact(server, port, alice, token, sid, cid)
        if w["errors"] or w["max"] > 5000 or w["n"] < 10:
            sl.fail("/healthz did not answer throughout (within 5 s): %s" % w)
        if sw.problems:
            sl.fail("%d of %d cases were not answered with a clear 4xx" % (len(sw.problems),
                                                                           sw.count))
        server.stop()
    finally:
        server.kill()
        sl.remove_sprites()
    print("PASS serve_badinput")


if __name__ == "__main__":
    main()

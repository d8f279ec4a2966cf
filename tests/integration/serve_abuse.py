#!/usr/bin/python3
"""rae serve against a user who attacks it from their own sprite, or a client that abuses HTTP:
each case is a rule of docs/security.md, and fails on the code before its fix.

    serve_abuse.py RAE OUTDIR
"""
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import Client, HealthWatch, WebSocket, fail, free_port, rae  # noqa: E402

sl.setup("serve_abuse", RAE, OUT)
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def in_sprite(sid, code, background=False):
    """Runs python3 -c code in the sprite through the command line (as the sprite's user)."""
    args = [RAE, "sprite", "exec", sid, "--data-dir", sl.CTX["data"], "--", "python3", "-c", code]
    if background:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        fail("in the sprite: %s" % r.stderr[-2000:])
    return r.stdout


def host_listener(path):
    """A UNIX socket of the host that counts who connects to it: a sprite must never make the
    server reach it."""
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(16)
    srv.settimeout(0.2)
    hits = []

    def accept():
        while True:
            try:
                c, _ = srv.accept()
                hits.append(time.time())
                c.close()
            except socket.timeout:
                continue
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return srv, hits


def symlinked_sockets(port, alice, sid):
    print("== a socket of the sprite that is a symlink to a socket of the host is not followed")
    target = os.path.join(OUT, "host.sock")
    listener, hits = host_listener(target)
    in_sprite(sid, "import os\nfor n in ('vnc.sock', 'rae-control.sock'):\n"
                   "    os.symlink(%r, '/tmp/' + n)" % target)
    ws = WebSocket(port, "/api/sprite/%s/browser/vnc" % sid, alice.cookie)
    if ws.status == 101:
        try:
            ws.recv()
        except (EOFError, OSError):
            pass
    status = alice.call("POST", "/api/sprite/%s/browser/reload" % sid, {})[0]
    time.sleep(0.5)
    if hits:
        fail("the server connected %d time(s) to a socket of the host through the sprite's "
             "symlinks" % len(hits))
    if status != 409:
        fail("a reload with no browser (only a symlink): status %d, wanted 409" % status)
    if ws.status == 101 and ws.close_code != 1013:
        fail("the VNC socket closed without saying why (code %s)" % ws.close_code)
    listener.close()
    in_sprite(sid, "import os\nfor n in ('vnc.sock', 'rae-control.sock'):\n"
                   "    os.unlink('/tmp/' + n)")


TARPIT = """
import socket, sys, time, threading
s = socket.socket(socket.AF_UNIX)
s.bind('/tmp/rae-control.sock')
s.listen(1)
mode = sys.argv[1] if len(sys.argv) > 1 else '%s'
def dribble(c):
    try:
        while True:
            c.send(b' ')
            time.sleep(1.5)
    except OSError:
        pass
while mode == 'dribble':
    c, _ = s.accept()
    threading.Thread(target=dribble, args=(c,), daemon=True).start()
time.sleep(600)  # 'full': never accepts; the backlog fills
"""


def stalling_sprite(port, alice, sid):
    for mode in ("full", "dribble"):
        print("== a sprite whose control socket %s does not hold the server" %
              ("never accepts" if mode == "full" else "answers a byte every 1.5 s"))
        tarpit = in_sprite(sid, TARPIT % mode, background=True)
        deadline = time.time() + 20
        while rae("sprite", "exec", sid, "--", "test", "-S", "/tmp/rae-control.sock")[0] != 0:
            if time.time() > deadline:
                fail("the tarpit did not start")
            time.sleep(0.2)
        watch = HealthWatch(port)
        statuses = []

        def ask():
            statuses.append(alice.call("POST", "/api/sprite/%s/browser/reload" % sid, {})[0])

        threads = [threading.Thread(target=ask) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        w = watch.stop()
        slowest, n = w["max"] / 1000, w["n"]
        tarpit.kill()
        tarpit.wait()
        rae("sprite", "exec", sid, "--", "rm", "-f", "/tmp/rae-control.sock")
        print("   /healthz: slowest of %d answers %.0f ms; the reloads: %s" %
              (n, slowest * 1000, sorted(statuses)))
        if slowest > 1.0:
            fail("/healthz took %.1f s while a sprite stalled its control socket" % slowest)
        if any(s not in (429, 504) for s in statuses):
            fail("the reloads of a stalled browser: %s (wanted 504, or 429 beyond the limit)"
                 % statuses)


USERCUSTOMIZE = """
import os, sys
if os.getcwd().startswith('/workspace/scripts/'):
    sys.stdout.write('y' * (6 << 20))  # one line longer than a run keeps of a line
    sys.stdout.write('\\n')
    line = 'x' * 199 + '\\n'
    for _ in range(%d):
        sys.stdout.write(line)
    sys.stdout.flush()
"""


def loud_run(port, alice, sid):
    print("== a run that prints 40 MB is cut at what a run keeps; the server does not grow")
    site = in_sprite(sid, "import site; print(site.getusersitepackages())").strip()
    in_sprite(sid, "import os\nos.makedirs(%r, exist_ok=True)\nopen(%r, 'w').write(%r)" %
              (site, site + "/usercustomize.py", USERCUSTOMIZE % (200 * 1024)))
    rc, _, err = rae("sprite", "files", sid, "put", "har/notes.har",
                     os.path.join(EXAMPLES, "notes.har"))
    if rc != 0:
        fail("putting the HAR: %s" % err)
    server_pid = alice.server.proc.pid
    rss0 = alice.server.rss_kb()
    started = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                         {"harPath": "har/notes.har", "replay": True}, expect=202)[1]
    events = WebSocket(port, started["streamUrl"], alice.cookie, "rae-events").events()
    rss1 = alice.server.rss_kb()
    kept = os.path.getsize(os.path.join(sl.CTX["data"], "runs", started["runId"] + ".ndjson"))
    cut = [e for e in events if "output is cut" in e.get("message", "")]
    print("   %d events, %d bytes kept; rae serve (pid %d): %d -> %d MB" %
          (len(events), kept, server_pid, rss0 >> 10, rss1 >> 10))
    if events[-1]["type"] != "complete":
        fail("the run did not end with its complete event: %s" % events[-1])
    if not cut or kept > (17 << 20):
        fail("the run's output was not cut: %d bytes kept, %d events" % (kept, len(events)))
    if not any("longer than" in e.get("message", "") for e in events):
        fail("the overlong line was not said to be dropped")
    # (under ASan, freed memory waits in its quarantine: the RSS says nothing there)
    if rss1 - rss0 > 120 * 1024 and "asan" not in os.path.basename(RAE):
        fail("rae serve grew by %d MB during a loud run" % ((rss1 - rss0) >> 10))
    in_sprite(sid, "import os\nos.unlink(%r)" % (site + "/usercustomize.py"))


def big_delete(port, alice, sid):
    print("== removing a tree of 100,000 files does not hold the server")
    in_sprite(sid, "import os\nfor d in range(100):\n"
                   "    p = '/workspace/many/%d' % d\n    os.makedirs(p)\n"
                   "    for f in range(1000):\n        open('%s/%d' % (p, f), 'w').close()")
    watch = HealthWatch(port)
    time.sleep(0.2)
    alice.call("DELETE", "/api/sprite/%s/files?path=/workspace/many" % sid, expect=200)
    w = watch.stop()
    slowest, n = w["max"] / 1000, w["n"]
    print("   /healthz: slowest of %d answers %.0f ms" % (n, slowest * 1000))
    if slowest > 0.5:
        fail("/healthz took %.1f s while a tree was removed" % slowest)


def response(raw):
    """(status, JSON body) of a raw HTTP response (None when there was none)."""
    if not raw.startswith(b"HTTP/1.1 "):
        return 0, None
    head, _, body = raw.partition(b"\r\n\r\n")
    try:
        return int(raw.split(b" ")[1]), json.loads(body) if body else None
    except ValueError:
        fail("not JSON after %r: %r" % (head[:60], body[:200]))


def http_refusals(port):
    print("== requests refused before their body is read, each with a status and a reason")
    cases = [  # (what, request, status)
        ("two Content-Lengths", b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
         b"application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400),
        ("a length and chunked", b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
         b"application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400),
        ("a declared 200 MB body", b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
         b"application/json\r\nContent-Length: 200000000\r\n\r\n" + b"x" * 65536, 413),
        ("a chunked body (lws 4.1 reads none)", b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
         (b"4000\r\n" + b"x" * 0x4000 + b"\r\n") * 8 + b"0\r\n\r\n", 411),
        ("a 10 KB Cookie header", b"GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: a=" +
         b"b" * 10000 + b"\r\n\r\n", 431),
    ]
    for what, data, want in cases:
        status, doc = response(sl.raw_http(port, data))
        if status != want or not doc or not doc.get("error", {}).get("message"):
            fail("%s: status %s, wanted %d with a reason: %s" % (what, status, want, doc))
    status, doc = response(sl.raw_http(port, b"GET /api/nope\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"))
    if status != 404 or "/api/nope" not in doc["error"]["message"]:
        fail("an error quoting invalid UTF-8: %s %s" % (status, doc))


def slow_body(port, result):
    """A body of 100 bytes sent a byte every 2 s: answered 408 and dropped at about 30 s."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    t0 = time.time()
    s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n")
    got = b""
    try:
        while time.time() - t0 < 60 and not got:
            s.sendall(b" ")
            s.settimeout(2)
            try:
                got = s.recv(4096)
            except socket.timeout:
                pass
    except OSError:
        pass
    result.append((time.time() - t0, response(got)[0]))


def connection_caps(port):
    print("== one address holds at most 64 connections; others still get in")
    held = []
    for _ in range(64):
        c = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
        held.append(c)
    time.sleep(0.3)
    status, doc = response(_from(port, "127.0.0.2"))
    if status != 503 or "your address" not in doc["error"]["message"]:
        fail("the 65th connection from one address: %s %s" % (status, doc))
    status, _ = response(sl.raw_http(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
    if status != 200:
        fail("another address was refused while one held 64 connections: %s" % status)
    for c in held:
        c.close()
    time.sleep(0.3)
    if response(_from(port, "127.0.0.2"))[0] != 200:
        fail("the address was still refused once it closed its connections")


def _from(port, source):
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    out = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    s.close()
    return out


def login_csrf(port):
    print("== sign-in, sign-out and setup take JSON from the server's own pages only")
    c = Client(port)
    body = json.dumps({"username": "alice", "password": "alice-password"}).encode()
    for what, headers, want in (
            ("text/plain (a form or a simple fetch of another site)",
             {"Content-Type": "text/plain"}, 415),
            ("an Origin of another site", {"Content-Type": "application/json",
                                           "Origin": "http://evil.example"}, 403),
            ("Sec-Fetch-Site: cross-site", {"Content-Type": "application/json",
                                           "Sec-Fetch-Site": "cross-site"}, 403)):
        for path in ("/api/auth/login", "/api/auth/logout", "/api/auth/setup"):
            req = urllib.request.Request(c.base + path, data=body, method="POST", headers=headers)
            try:
                status = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                status = e.code
            if status != want:
                fail("%s to %s: status %d, wanted %d" % (what, path, status, want))
    own = {"Origin": c.base, "Sec-Fetch-Site": "same-origin"}
    c.call("POST", "/api/auth/login", {"username": "alice", "password": "alice-password"},
           headers=own, expect=200)


def trusted_proxy(server, port):
    print("== X-Forwarded-For counts only from a --trusted-proxy")
    sl.add_user("carol", "carol-password")

    def attempts(name, xff, password):
        c = Client(port)
        return c.call("POST", "/api/auth/login", {"username": name, "password": password},
                      headers={"X-Forwarded-For": xff})[0]

    # no proxy configured: a client cannot pick the address it is counted as
    codes = [attempts("carol", "203.0.113.%d" % i, "wrong-%d" % i) for i in range(8)]
    if 429 not in codes:
        fail("sign-ins from one peer were not throttled when each said another X-Forwarded-For:"
             " %s" % codes)
    server.stop()
    server.extra = ["--trusted-proxy", "127.0.0.0/8"]
    server.start()
    sl.add_user("dave", "dave-password")
    codes = [attempts("dave", "203.0.113.9", "wrong-%d" % i) for i in range(8)]
    if 429 not in codes:
        fail("sign-ins through the proxy from one client were not throttled: %s" % codes)
    if attempts("dave", "198.51.100.7", "dave-password") != 200:
        fail("behind the proxy, one client's failures locked out another")


def slow_downloads(port, alice, sid):
    print("== downloads stream from disk: 4 slow readers of a 50 MB file hold pieces, not the file")
    in_sprite(sid, "import os\nos.makedirs('/workspace/dl/sub')\n"
                   "open('/workspace/dl/big.bin', 'wb').write(os.urandom(50 << 20))\n"
                   "open('/workspace/dl/sub/a.txt', 'w').write('hello')\n"
                   "open('/workspace/dl/sub/empty.txt', 'w').close()")
    want = in_sprite(sid, "import hashlib\nprint(hashlib.sha256(open('/workspace/dl/big.bin', "
                          "'rb').read()).hexdigest())").strip()
    rss0 = alice.server.rss_kb()
    url = alice.base + "/api/sprite/%s/files?path=/workspace/dl/big.bin&download=1" % sid
    readers = [urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": alice.cookie}),
                                      timeout=30) for _ in range(4)]
    for r in readers:
        r.read(1 << 20)  # started, then slow
    time.sleep(1.5)
    rss1 = alice.server.rss_kb()
    for r in readers:
        if r.headers.get("Content-Length") != str(50 << 20):
            fail("the download's length: %s" % r.headers.get("Content-Length"))
    rest = readers[0].read()
    for r in readers[1:]:
        r.close()
    full = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": alice.cookie}),
                                  timeout=60).read()
    print("   rae serve: %d -> %d MB with 4 readers holding on" % (rss0 >> 10, rss1 >> 10))
    if len(rest) != (50 << 20) - (1 << 20) or hashlib.sha256(full).hexdigest() != want:
        fail("the streamed file is not the file (%d bytes)" % len(full))
    if rss1 - rss0 > 60 * 1024 and "asan" not in os.path.basename(RAE):
        fail("4 slow downloads of a 50 MB file grew rae serve by %d MB" % ((rss1 - rss0) >> 10))
    req = urllib.request.Request(alice.base + "/api/sprite/%s/files?path=/workspace/dl&download=1"
                                 % sid, headers={"Cookie": alice.cookie})
    archive = zipfile.ZipFile(io.BytesIO(urllib.request.urlopen(req, timeout=60).read()))
    if archive.testzip() is not None or sorted(archive.namelist()) != \
            ["big.bin", "sub/a.txt", "sub/empty.txt"]:
        fail("the streamed zip: %s" % archive.namelist())
    if hashlib.sha256(archive.read("big.bin")).hexdigest() != want or \
            archive.read("sub/a.txt") != b"hello" or archive.read("sub/empty.txt") != b"":
        fail("the streamed zip's files are not the files")
    in_sprite(sid, "import shutil\nshutil.rmtree('/workspace/dl')")


def main():
    sl.fresh_out()
    port = free_port()
    server = sl.Server(port)
    try:
        admin, _ = sl.first_admin(server, port)
        sl.add_user("alice", "alice-password")
        alice = Client(port)
        alice.login("alice", "alice-password")
        alice.server = server
        sid = alice.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
        slow = []
        slow_thread = threading.Thread(target=slow_body, args=(port, slow))
        slow_thread.start()  # it takes 30 s: the cases below run meanwhile
        http_refusals(port)
        connection_caps(port)
        login_csrf(port)
        symlinked_sockets(port, alice, sid)
        stalling_sprite(port, alice, sid)
        big_delete(port, alice, sid)
        slow_downloads(port, alice, sid)
        loud_run(port, alice, sid)
        slow_thread.join()
        print("== a body sent a byte every 2 s: status %s after %.0f s" % (slow[0][1], slow[0][0]))
        if slow[0][1] != 408 or not 25 < slow[0][0] < 45:
            fail("a slow body was not cut at 30 s with 408: %s" % (slow,))
        trusted_proxy(server, port)
        server.stop()
    finally:
        server.kill()
        sl.remove_sprites()
    print("PASS serve_abuse")


if __name__ == "__main__":
    main()

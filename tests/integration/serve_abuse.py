#!/usr/bin/python3
"""rae serve against a user who attacks it from their own sprite, or a client that abuses HTTP:
each case is a rule of docs/security.md, and fails on the code before its fix.

    serve_abuse.py RAE OUTDIR
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import Client, WebSocket, fail, free_port, rae  # noqa: E402

sl.setup("serve_abuse", RAE, OUT)
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


class HealthWatch:
    """Asks GET /healthz every 50 ms from its own connection while an attack runs; the slowest
    answers say whether the event loop was held."""

    def __init__(self, port):
        self.port, self.times, self.stop_flag = port, [], False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_flag:
            t0 = time.time()
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port,
                                            timeout=30) as r:
                    r.read()
            except OSError:
                pass
            self.times.append(time.time() - t0)
            time.sleep(0.05)

    def stop(self):
        self.stop_flag = True
        self.thread.join()
        self.times.sort()
        return self.times[-1] if self.times else 0, len(self.times)


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
        slowest, n = watch.stop()
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
    if rss1 - rss0 > 120 * 1024:
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
    slowest, n = watch.stop()
    print("   /healthz: slowest of %d answers %.0f ms" % (n, slowest * 1000))
    if slowest > 0.5:
        fail("/healthz took %.1f s while a tree was removed" % slowest)


def main():
    sl.remove_sprites()
    import shutil
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    port = free_port()
    server = sl.Server(port)
    try:
        admin, _ = sl.first_admin(server, port)
        sl.add_user("alice", "alice-password")
        alice = Client(port)
        alice.login("alice", "alice-password")
        alice.server = server
        sid = alice.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
        symlinked_sockets(port, alice, sid)
        stalling_sprite(port, alice, sid)
        big_delete(port, alice, sid)
        loud_run(port, alice, sid)
        server.stop()
    finally:
        server.kill()
        sl.remove_sprites()
    print("PASS serve_abuse")


if __name__ == "__main__":
    main()

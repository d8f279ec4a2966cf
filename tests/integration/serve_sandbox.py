#!/usr/bin/python3
"""rae serve's own spawns give a sprite nothing of the server's environment: a server started
with a marker variable (think: a provider key) starts a sprite's browser, which runs under a
supervisor that the server spawned; no process of the sprite (bwrap's own included) has the marker
in its /proc/PID/environ, while the supervisor (a host process of rae's) does. Root only: the
sprite's processes are told apart by their uid.

    serve_sandbox.py RAE OUTDIR
"""
import os
import subprocess
import sys
import time

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import fail, free_port  # noqa: E402

sl.setup("serve_sandbox", RAE, OUT)
MARKER = "rae-serve-secret-%d" % os.getpid()


def environ(pid):
    """The environment pid started with; None when it is gone."""
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return None


def processes_of(uid):
    """Pids whose real uid is uid."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(pid)
                        break
        except OSError:
            pass
    return pids


def cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def check(sid):
    sprite_dir = os.path.join(sl.CTX["data"], "sprites", sid)
    ws = os.path.join(sprite_dir, "ws", "workspace")
    uid = os.stat(ws if os.path.isdir(ws) else os.path.join(sprite_dir, "workspace")).st_uid
    seen = 0
    for pid in processes_of(uid):
        env = environ(pid)
        if env is None:
            continue
        seen += 1
        if any(MARKER in e for e in env):
            fail("process %s of the sprite (%s) has the server's environment" %
                 (pid, cmdline(pid)[:80]))
    if seen < 3:  # bwrap, rae capture, Xvnc, Chromium ...
        fail("only %d processes of the sprite's uid %d were seen" % (seen, uid))
    supervisors = [p for p in filter(str.isdigit, os.listdir("/proc"))
                   if "_supervise %s " % sid in cmdline(p)]
    if not supervisors or not any(MARKER in e for e in environ(supervisors[0]) or []):
        fail("the marker did not reach the supervisor (%s): the test proves nothing" % supervisors)
    print("%d processes of the sprite, none with the server's environment" % seen)


def main():
    if os.geteuid() != 0:
        print("serve_sandbox: skipped, sprites have a uid of their own only when rae runs as root")
        return
    sl.fresh_out()
    port = free_port()
    server = sl.Server(port, env=dict(os.environ, RAE_TEST_SECRET=MARKER))
    try:
        admin, _ = sl.first_admin(server, port)
        sid = admin.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
        print("== the browser of a sprite, started by the server")
        admin.call("POST", "/api/sprite/%s/browser/start" % sid, {}, expect=200)
        deadline = time.time() + 30
        while admin.call("GET", "/api/sprite/%s/browser/status" % sid)[1].get("starting") is not False:
            if time.time() > deadline:
                fail("the browser never came up")
            time.sleep(0.3)
        check(sid)
        admin.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=200)
    finally:
        server.kill()
        sl.remove_sprites()
    print("PASS serve_sandbox")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The rae serve API against a running server on loopback: the first-run link, sign-in, sessions
and CSRF, API tokens, throttling, one user's sprite invisible to another, files and checkpoints,
the browser of a sprite (VNC relay, URL bar), an engineer run of the capture streamed over a
WebSocket, a restart that loses nothing.

    serve_api.py RAE OUTDIR
"""
import io
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile

RAE, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "data")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import Client, WebSocket, fail, free_port, rae  # noqa: E402

sl.setup("serve_api", RAE, OUT)


def Server(port, site_port):
    return sl.Server(port, site_port)


def main():
    sl.fresh_out()
    port, site_port = free_port(), free_port()
    site_dir = os.path.join(OUT, "site")  # the pages the sprite's browser visits
    os.makedirs(site_dir)
    for page in ("one", "two"):  # each asks the site's "API" for its items
        with open(os.path.join(site_dir, page + ".html"), "w") as f:
            f.write("<!doctype html><title>%s</title><p>page %s</p><script>"
                    "fetch('/items-%s.json').then(r => r.json()).then(j => document.title = j.title)"
                    "</script>" % (page, page, page))
        with open(os.path.join(site_dir, "items-%s.json" % page), "w") as f:
            json.dump({"title": page, "items": [{"id": 1, "name": "first"}]}, f)
    site = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", str(site_port), "--bind",
                             "127.0.0.1", "--directory", site_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(port, site_port)
    try:
        run(server, port)
    finally:
        site.kill()
        if server.proc.poll() is None:
            server.proc.kill()
        for name in os.listdir(os.path.join(DATA, "sprites")):
            subprocess.run([RAE, "sprite", "rm", name, "--data-dir", DATA], capture_output=True)
    print("PASS serve_api")


def sprite_logs(sid):
    """The end of the sprite's browser and supervisor logs, for a failure's message."""
    run_dir = os.path.join(DATA, "sprites", sid, "run")
    log = ""
    for f in ("logs/browser.log", "supervisor.log"):
        try:
            log += open(os.path.join(run_dir, f)).read()
        except OSError as e:
            log += "(%s)\n" % e
    return log[-3000:]


def engineer(port, alice, bob, sid, har):
    print("== an engineer run of the capture, streamed")
    base = "/api/sprite/%s/engineer" % sid
    alice.call("POST", base + "/run", {"harPath": "/workspace/har/none.har"}, expect=404)
    alice.call("POST", base + "/run", {"harPath": "/workspace/../../etc/passwd"}, expect=400)
    alice.call("POST", base + "/run", {}, expect=400)
    bob.call("POST", base + "/run", {"harPath": har}, expect=404)
    started = alice.call("POST", base + "/run",
                         {"harPath": har, "prompt": "the items", "replay": True}, expect=202)[1]
    rid = started["runId"]
    if started["scriptsDir"] != "/workspace/scripts/" + rid:
        fail("the run's scripts dir: %s" % started)
    ws = WebSocket(port, started["streamUrl"], alice.cookie, "rae-events")
    if ws.status != 101:
        fail("the stream of run %s: status %d" % (rid, ws.status))
    events = ws.events()
    kinds = [e["type"] for e in events]
    if kinds[-1:] != ["complete"] or "progress" not in kinds:
        fail("the run's events: %s" % events[-3:])
    code = {e["path"]: e["content"] for e in events if e["type"] == "code"}
    if "class ApiClient" not in code.get("api_client.py", ""):
        fail("no api_client.py among the code events: %s" % list(code))
    if "api_client.py" not in events[-1]["files"]:
        fail("the complete event: %s" % events[-1])
    replay = [e for e in events if e["type"] == "progress" and e["stage"] == "replay"]
    if not replay or not re.fullmatch(r"\d+ passed, 0 failed, 0 skipped", replay[-1]["message"]) \
            or replay[-1]["done"] < 1:
        fail("the replay against the site: %s" % replay)
    late = WebSocket(port, started["streamUrl"], alice.cookie, "rae-events").events()
    if late != events:
        fail("a late viewer got %d events, not the %d of the run" % (len(late), len(events)))
    for who, cookie in (("nobody", None), ("bob", bob.cookie)):
        if WebSocket(port, started["streamUrl"], cookie, "rae-events").status == 101:
            fail("%s got the stream of alice's run" % who)
    # a page of another origin (another port of the same host) with alice's cookie
    other = WebSocket(port, started["streamUrl"], alice.cookie, "rae-events",
                      origin="http://127.0.0.1:%d" % (port + 1))
    if other.status == 101:
        fail("a page of another origin got alice's stream")
    own = WebSocket(port, started["streamUrl"], alice.cookie, "rae-events",
                    origin="http://127.0.0.1:%d" % port)
    if own.status != 101 or own.events() != events:
        fail("the page of the server's own origin did not get the stream")
    run = alice.call("GET", base + "/run/" + rid, expect=200)[1]["run"]
    if run["status"] != "complete" or run["endpoints"] < 1 or run["prompt"] != "the items" \
            or run["replay"]["failed"] != 0:
        fail("the run's record: %s" % run)
    bob.call("GET", base + "/run/" + rid, expect=404)
    listing = alice.call("GET", "/api/sprite/%s/files?path=%s" % (sid, run["scriptsDir"]),
                         expect=200)[1]
    names = sorted(e["name"] for e in listing["entries"])
    if "api_client.py" not in names or "openapi.json" not in names:
        fail("the scripts: %s" % names)
    req = urllib.request.Request(alice.base + "/api/sprite/%s/files?path=%s&download=1" %
                                 (sid, run["scriptsDir"]), headers={"Cookie": alice.cookie})
    with urllib.request.urlopen(req, timeout=20) as resp:
        archive = zipfile.ZipFile(io.BytesIO(resp.read()))
        if "class ApiClient" not in archive.read("api_client.py").decode():
            fail("the zip of the scripts: %s" % archive.namelist())
    history = alice.call("GET", "/api/sessions", expect=200)[1]["sessions"]
    if history[0]["id"] != rid or history[0]["kind"] != "run":
        fail("the run is not first in the history: %s" % history[:2])


def run(server, port):
    print("== first start: the one-time sign-in link")
    out = server.more_output()
    m = re.search(r"/setup\?token=([A-Za-z0-9_-]+)", out)
    if not m:
        fail("no first-run link in: %s" % out)
    admin = Client(port)
    admin.call("GET", "/api/me", expect=401)
    doc = admin.call("POST", "/api/auth/setup",
                     {"token": m.group(1), "username": "root1", "password": "first-password"},
                     expect=200)[1]
    admin.csrf = doc["csrf"]
    if not doc["user"]["admin"]:
        fail("the first user is not an admin: %s" % doc)
    Client(port).call("POST", "/api/auth/setup",
                      {"token": m.group(1), "username": "again", "password": "second-password"},
                      expect=403)

    print("== users from the command line, sign-in, CSRF")
    pw = os.path.join(OUT, "pw")
    with open(pw, "w") as f:
        f.write("alice-password\n")
    for name in ("alice", "bob"):
        rc, _, err = rae("user", "add", name, "--password-file", pw)
        if rc != 0:
            fail("rae user add %s: %s" % (name, err))
    anon = Client(port)
    anon.call("GET", "/healthz", expect=200)
    anon.login("alice", "wrong-password", expect=401)
    anon.login("nobody", "wrong-password", expect=401)
    alice = Client(port)
    alice.login("alice", "alice-password")
    if alice.call("GET", "/api/me", expect=200)[1]["user"]["name"] != "alice":
        fail("/api/me is not alice")
    alice.call("POST", "/api/sprite", {}, csrf=False, expect=403)

    print("== the user's sprite; another user's is 404")
    sprite = alice.call("POST", "/api/sprite", {}, expect=201)[1]
    again = alice.call("POST", "/api/sprite", {}, expect=200)[1]
    if again["id"] != sprite["id"]:
        fail("a second POST /api/sprite made another sprite: %s vs %s" % (again, sprite))
    listed = alice.call("GET", "/api/sprite", expect=200)[1]["sprites"]
    if [s["id"] for s in listed] != [sprite["id"]]:
        fail("GET /api/sprite: %s" % listed)
    bob = Client(port)
    bob.login("bob", "alice-password")
    bob.call("GET", "/api/sprite/" + sprite["id"], expect=404)
    bob.call("DELETE", "/api/sprite/" + sprite["id"], expect=404)
    if bob.call("GET", "/api/sprite", expect=200)[1]["sprites"]:
        fail("bob sees sprites that are not his")

    print("== files and checkpoints of the sprite")
    sid = sprite["id"]
    rc, _, err = rae("sprite", "exec", sid, "--", "sh", "-c",
                     "mkdir -p /workspace/scripts/r1 && echo 'print(42)' >/workspace/scripts/r1/api_client.py")
    if rc != 0:
        fail("writing a file in the sprite: %s" % err)
    listing = alice.call("GET", "/api/sprite/%s/files?path=/workspace/scripts/r1" % sid, expect=200)[1]
    if [e["name"] for e in listing["entries"]] != ["api_client.py"]:
        fail("the listing: %s" % listing)
    req = urllib.request.Request(alice.base + "/api/sprite/%s/files?path=/workspace/scripts/r1/api_client.py&download=1" % sid,
                                 headers={"Cookie": alice.cookie})
    with urllib.request.urlopen(req, timeout=20) as resp:
        if resp.read() != b"print(42)\n" or "attachment" not in resp.headers.get("Content-Disposition", ""):
            fail("the download: %s" % resp.headers)
    req = urllib.request.Request(alice.base + "/api/sprite/%s/files?path=/workspace/scripts&download=1" % sid,
                                 headers={"Cookie": alice.cookie})
    with urllib.request.urlopen(req, timeout=20) as resp:
        archive = zipfile.ZipFile(io.BytesIO(resp.read()))
        if archive.testzip() is not None or archive.read("r1/api_client.py") != b"print(42)\n":
            fail("the zip of /workspace/scripts: %s" % archive.namelist())
        if 'filename="scripts.zip"' not in resp.headers.get("Content-Disposition", ""):
            fail("the zip's name: %s" % resp.headers.get("Content-Disposition"))
    for bad in ("/workspace/../../etc/shadow", "/etc/shadow", "../x"):
        alice.call("GET", "/api/sprite/%s/files?path=%s" % (sid, urllib.parse.quote(bad)), expect=400)
    alice.call("GET", "/api/sprite/%s/files?path=/workspace/nothing" % sid, expect=404)
    bob.call("GET", "/api/sprite/%s/files?path=/workspace" % sid, expect=404)
    alice.call("POST", "/api/sprite/%s/checkpoint" % sid, b"", expect=201)  # Content-Length: 0
    ck = alice.call("POST", "/api/sprite/%s/checkpoint" % sid, {"comment": "with the client"}, expect=201)[1]
    alice.call("DELETE", "/api/sprite/%s/files?path=/workspace/scripts/r1" % sid, expect=200)
    alice.call("GET", "/api/sprite/%s/files?path=/workspace/scripts/r1/api_client.py" % sid, expect=404)
    listed = alice.call("GET", "/api/sprite/%s/checkpoint" % sid, expect=200)[1]["checkpoints"]
    if listed[0]["id"] != ck["id"] or listed[0]["comment"] != "with the client":
        fail("the checkpoint list: %s" % listed)
    alice.call("POST", "/api/sprite/%s/checkpoint/%s/restore" % (sid, ck["id"]), {}, expect=200)
    body = alice.call("GET", "/api/sprite/%s/files?path=/workspace/scripts/r1" % sid, expect=200)[1]
    if [e["name"] for e in body["entries"]] != ["api_client.py"]:
        fail("the restore did not bring the file back: %s" % body)
    alice.call("POST", "/api/sprite/%s/checkpoint/c999999-nope/restore" % sid, {}, expect=404)
    bob.call("POST", "/api/sprite/%s/checkpoint/%s/restore" % (sid, ck["id"]), {}, expect=404)

    print("== the browser in the sprite, seen through the VNC relay")
    site = "http://127.0.0.1:%d" % server.site_port
    alice.call("POST", "/api/sprite/%s/browser/navigate" % sid, {"url": site}, expect=409)
    started = alice.call("POST", "/api/sprite/%s/browser/start" % sid, {"url": site + "/one.html"},
                         expect=200)[1]
    ws, deadline = None, time.time() + 30
    while time.time() < deadline:
        ws = WebSocket(port, started["vncUrl"], alice.cookie)
        if ws.status == 101:
            try:
                greeting = ws.recv_exactly(12)
                break
            except (EOFError, OSError):
                pass
        time.sleep(0.3)
    else:
        fail("the VNC relay never greeted (status %s)" % (ws.status if ws else None))
    if greeting != b"RFB 003.008\n":
        fail("the relay said %r" % greeting)
    ws.send(b"RFB 003.008\n")
    count = ws.recv_exactly(1)[0]
    types = ws.recv_exactly(count)
    if 1 not in types:
        fail("the display offers no 'None' security: %r" % types)
    ws.send(bytes([1]))
    if ws.recv_exactly(4) != b"\0\0\0\0":
        fail("security failed")
    ws.send(bytes([1]))  # ClientInit, shared
    init = ws.recv_exactly(24)
    width, height = struct.unpack(">HH", init[:4])
    ws.recv_exactly(struct.unpack(">I", init[20:24])[0])
    if (width, height) != (1280, 800):
        fail("the display is %dx%d" % (width, height))
    ws.send(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    update = ws.recv_exactly(4)
    if update[0] != 0:
        fail("no FramebufferUpdate: %r" % update)
    ws.sock.close()
    for who, cookie in (("nobody", None), ("bob", bob.cookie)):
        other = WebSocket(port, started["vncUrl"], cookie)
        if other.status == 101:
            fail("%s got the relay of alice's sprite" % who)
    print("== the URL bar and buttons: navigate, back, forward, reload")
    deadline = time.time() + 30  # the browser takes commands once Chromium is up
    while True:
        status = alice.call("POST", "/api/sprite/%s/browser/navigate" % sid,
                            {"url": site + "/two.html"})[0]
        if status != 409 or time.time() > deadline:
            break
        time.sleep(0.5)
    if status != 200:
        fail("navigate: %d; the browser's log:\n%s" % (status, sprite_logs(sid)))
    deadline = time.time() + 20  # the URL bar follows the tab
    while True:
        status = alice.call("GET", "/api/sprite/%s/browser/status" % sid, expect=200)[1]
        if status.get("url", "").endswith("/two.html") or time.time() > deadline:
            break
        time.sleep(0.3)
    if not status["url"].endswith("/two.html") or status["startUrl"] != site + "/one.html":
        fail("the status after navigating: %s" % status)
    for op in ("back", "forward", "reload"):
        alice.call("POST", "/api/sprite/%s/browser/%s" % (sid, op), {}, expect=200)
        time.sleep(1)
    alice.call("POST", "/api/sprite/%s/browser/navigate" % sid, {}, expect=400)
    alice.call("POST", "/api/sprite/%s/browser/jump" % sid, {}, expect=404)
    bob.call("POST", "/api/sprite/%s/browser/reload" % sid, {}, expect=404)
    stopped = alice.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=200)[1]
    har = alice.call("GET", "/api/sprite/%s/files?path=%s" % (sid, stopped["harPath"]), expect=200)[1]
    if "log" not in har:
        fail("the capture's HAR: %s" % str(har)[:200])
    urls = [e["request"]["url"] for e in har["log"]["entries"]]
    for page in ("/one.html", "/two.html"):
        if not any(u.endswith(page) for u in urls):
            fail("the HAR lacks %s: %s" % (page, urls))
    alice.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=409)

    history = alice.call("GET", "/api/sessions", expect=200)[1]["sessions"]
    if not history or history[0]["kind"] != "capture" or history[0]["status"] != "complete" \
            or history[0]["harPath"] != stopped["harPath"]:
        fail("the history: %s" % history)
    if bob.call("GET", "/api/sessions", expect=200)[1]["sessions"]:
        fail("bob sees alice's history")
    engineer(port, alice, bob, sid, stopped["harPath"])

    print("== a browser that hangs: the stop waits for SIGKILL (10 s), its answer still comes")
    started = alice.call("POST", "/api/sprite/%s/browser/start" % sid, {}, expect=200)[1]
    deadline = time.time() + 30
    while not alice.call("GET", "/api/sprite/%s/browser/status" % sid)[1].get("starting") is False:
        if time.time() > deadline:
            fail("the browser never answered")
        time.sleep(0.3)
    hung = subprocess.run(["pkill", "-STOP", "-f", "rae capture .*" + started["harPath"]])
    if hung.returncode != 0:
        fail("no capture process to stop for %s" % started["harPath"])
    t0 = time.time()
    alice.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=200)
    if time.time() - t0 < 9:
        fail("the stop did not wait for SIGKILL: %.1f s" % (time.time() - t0))

    print("== API tokens")
    rc, token, err = rae("token", "create", "alice", "--label", "test")
    token = token.strip()
    if rc != 0 or not token or "\n" in token:
        fail("rae token create: %r %s" % (token, err))
    script = Client(port)
    script.bearer = token
    if script.call("GET", "/api/sprite", expect=200)[1]["sprites"][0]["id"] != sprite["id"]:
        fail("the token does not act for alice")
    script.call("POST", "/api/sprite", {}, expect=200)  # no CSRF for a Bearer token
    script.bearer = token + "x"
    script.call("GET", "/api/sprite", expect=401)

    print("== throttling, unknown routes")
    mallory = Client(port)
    statuses = [mallory.login("bob", "guess-%d" % i, expect=None)["error"]["code"]
                for i in range(8)]
    if "too_many_attempts" not in statuses:
        fail("8 wrong passwords in a row were never throttled: %s" % statuses)
    anon.call("GET", "/api/nothing-here", expect=404)
    anon.call("PUT", "/api/me", {}, expect=405)

    print("== a restart of rae serve loses nothing; a capture going on goes on")
    site = "http://127.0.0.1:%d" % server.site_port
    capture = alice.call("POST", "/api/sprite/%s/browser/start" % sid, {"url": site + "/one.html"},
                         expect=200)[1]
    status = alice.call("GET", "/api/sprite/%s/browser/status" % sid, expect=200)[1]
    if not status["running"] or status["captureId"] != capture["captureId"]:
        fail("the browser's status: %s" % status)
    server.stop()
    server.start()
    alice.call("GET", "/api/me", expect=200)
    deadline = time.time() + 30
    while True:  # the page's requests are counted once Chromium is up
        status = alice.call("GET", "/api/sprite/%s/browser/status" % sid, expect=200)[1]
        if not status["running"] or status["entries"] >= 2 or time.time() > deadline:
            break
        time.sleep(0.5)
    if not status["running"] or status["entries"] < 2 or status["harPath"] != capture["harPath"]:
        fail("the capture after the restart: %s; the browser's log:\n%s" % (status, sprite_logs(sid)))
    stopped = alice.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=200)[1]
    if stopped["captureId"] != capture["captureId"]:
        fail("the stop after the restart: %s" % stopped)
    alice.call("GET", "/api/sprite/" + sprite["id"], expect=200)
    run = [j for j in alice.call("GET", "/api/sessions", expect=200)[1]["sessions"]
           if j["kind"] == "run"][0]
    if run["status"] != "complete":
        fail("the run after the restart: %s" % run)
    events = WebSocket(port, "/api/sprite/%s/engineer/stream?run=%s" % (sid, run["id"]), alice.cookie,
                       "rae-events").events()
    if not events or events[-1]["type"] != "complete":
        fail("the run's events after a restart: %s" % events[-3:])

    print("== an expired session is refused")
    late = Client(port)
    late.login("root1", "first-password")
    late.call("GET", "/api/me", expect=200)
    db = sqlite3.connect(os.path.join(DATA, "rae.db"), timeout=10)
    with db:  # as if its 30 days had passed (and the idle time, by last_seen)
        db.execute("UPDATE sessions SET expires = 1000, last_seen = 1000 WHERE user_id = "
                   "(SELECT id FROM users WHERE name = 'root1')")
    db.close()
    late.call("GET", "/api/me", expect=401)

    print("== logout ends the session; delete")
    old_cookie = alice.cookie
    alice.call("POST", "/api/auth/logout", {}, expect=200)
    alice.cookie = old_cookie
    alice.call("GET", "/api/me", expect=401)
    alice.login("alice", "alice-password")
    alice.call("DELETE", "/api/sprite/" + sprite["id"], expect=200)
    alice.call("GET", "/api/sprite/" + sprite["id"], expect=404)
    server.stop()


if __name__ == "__main__":
    main()

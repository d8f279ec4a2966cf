#!/usr/bin/python3
"""bench/serve/soak: USERS people using rae serve at once, through the whole of its API, with a
kill -9 of the server in the middle; figures of what they saw, and checks of what they kept.

    bench/serve/soak.py [RAE_BINARY]      (default build/rae; run as root: sprites need it)
    bench/serve/soak.py --medians build/bench/serve/soak-*/soak.json     (medians of several)

The users are made with `rae user add` and sign in over HTTP at once, each from an address of
its own (127.0.1.N), on one keep-alive connection as a browser would, and ask for their sprite
(rae serve gets --max-sprites USERS). The site they capture is the notes_api fixture app
(tests/fixtures/notes_api) on loopback. One cycle of a user, all users at once:

    POST browser/start {url: the site}, and at once the display's WebSocket (RFB 3.8, as noVNC);
    GET browser/status until the page is shown; through the display, a click in the app's
    sign-in form, "alice", a click in the password field, "wonderland", Enter (the app then calls
    its login, csrf, me, notes and graphql APIs), a click on "Tags"; GET browser/status until
    those are recorded; POST browser/navigate, back, forward, reload; POST browser/stop;
    POST engineer/run {harPath, replay: true}; GET engineer/run/ID until it ends (complete, the
    replay with no failed step); GET the scripts as a zip and the HAR (files?download=1); POST
    checkpoint; the files of har/ and scripts/ read one by one; DELETE the scripts; POST
    checkpoint/CID/restore; the zip again: the same files, byte for byte

Round 1: every user does a cycle. Round 2: every user starts one; once KILL_RUNS users are
running the engineer (or, after KILL_AFTER/2 s, running it or capturing), the server gets SIGKILL
and is started again on the same data dir 1 s later. No process of an engineer run may be left
then. Each user then checks what was cut short: its session still holds; a run in flight must
end as an error that says why, and its event stream (a WebSocket with no subprotocol) must end,
not hang; a capture that outlived the server is stopped as usual; a capture cut before its stop
answered must have its HAR whole. It checks that round 1's files are still byte for byte what
they were, and does its cycle again. Last, each user restores its round-1 checkpoint and checks
that har/ and scripts/ hold round 1's files again. Then the server is stopped, every sprite
removed with `rae sprite rm`, and what is left is counted: processes of the sprites' uids,
their cgroups, mounts and loop devices under the data dir (zombies are waited for 10 s: init
reaps them).

It prints: requests, errors by kind and route, p50/p99 per route, /healthz every 100 ms from the
side with rae serve's CPU and its loop's time waiting for a CPU, runs started/finished per round
and what happened to those in flight at the kill, the files and checkpoints verified, what was
left behind. It exits 1 when a check fails: sprites sharing a host uid, a file lost or changed, a
run that does not end, a process or mount left, a user who could not finish its cycle.

Environment: USERS=20, KILL_RUNS (runs in flight at the kill, default USERS/4), KILL_AFTER=240
(seconds into round 2: the kill then comes whatever is in flight), SPREAD=0 (seconds over which
the users' starts are spread), KEEP=1 (keep the data dir). Writes
build/bench/serve/soak.json and build/bench/serve/soak-TIME/ (the same, and the server's log).
"""
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RAE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "rae"))
USERS = int(os.environ.get("USERS", "20"))
KILL_RUNS = int(os.environ.get("KILL_RUNS", str(max(1, USERS // 4))))
KILL_AFTER = float(os.environ.get("KILL_AFTER", "240"))
SPREAD = float(os.environ.get("SPREAD", "0"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import servelib as sl  # noqa: E402

REQUEST_TIMEOUT = 120  # a browser stop waits up to 10 s for the HAR, then checkpoints
STARTING_DEADLINE = 240  # until Chromium answers, 20 of them starting on 2 cores
RUN_DEADLINE = 300  # an engineer run with its replay
BUSY_DEADLINE = 300  # a 429/503 "busy" is sent again after its Retry-After until this passed

# the server's routes (src/server/routes.c): a path is counted under its pattern
ROUTES = [
    ("GET", "/healthz"), ("POST", "/api/auth/login"), ("GET", "/api/me"),
    ("GET", "/api/sessions"), ("GET", "/api/sprite"), ("POST", "/api/sprite"),
    ("GET", "/api/sprite/{}"), ("DELETE", "/api/sprite/{}"),
    ("POST", "/api/sprite/{}/browser/start"), ("POST", "/api/sprite/{}/browser/stop"),
    ("GET", "/api/sprite/{}/browser/status"), ("POST", "/api/sprite/{}/browser/{}"),
    ("GET", "/api/sprite/{}/files"), ("DELETE", "/api/sprite/{}/files"),
    ("GET", "/api/sprite/{}/checkpoint"), ("POST", "/api/sprite/{}/checkpoint"),
    ("POST", "/api/sprite/{}/checkpoint/{}/restore"), ("POST", "/api/sprite/{}/engineer/run"),
    ("GET", "/api/sprite/{}/engineer/run/{}"), ("GET", "/api/sprite/{}/engineer/stream"),
]


def route_of(method, path):
    """The route pattern of a request ("POST /api/sprite/{}/browser/{}"); the raw path when none."""
    segs = path.split("?", 1)[0].split("/")
    for m, pattern in ROUTES:
        p = pattern.split("/")
        if m == method and len(p) == len(segs) and \
                all(a == b or a == "{}" for a, b in zip(p, segs)):
            return "%s %s" % (m, pattern)
    return "%s %s" % (method, path)


class Check(Exception):
    """A correctness check that failed: the soak exits 1."""


class Cut(Exception):
    """A request that got no answer (the connection failed or timed out)."""


class Stats:
    """Every request's route, outcome and time, per round; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        # (round, route, outcome, ms, expected): outcome "200", "409 no_capture", "conn",
        # "timeout", "busy", "resent"; expected: the status the step asked for (a 404 after a
        # delete)
        self.rows = []
        self.round = 1
        self.failures = []  # correctness checks that failed (strings)

    def add(self, route, outcome, ms, expected=False):
        with self.lock:
            self.rows.append((self.round, route, outcome, ms, expected))

    def fail(self, user, what):
        with self.lock:
            self.failures.append("user %d: %s" % (user, what))
        print("CHECK FAILED user %d: %s" % (user, what), flush=True)


class User:
    """One person: an address of its own, one keep-alive connection, a session cookie."""

    def __init__(self, n, port, stats):
        self.n, self.port, self.stats = n, port, stats
        self.addr = "127.0.1.%d" % (n + 1)
        self.conn, self.used, self.cookie, self.csrf = None, 0, None, None
        self.sprite = None
        self.phase = "idle"  # what it is doing: the kill is timed by it
        self.rounds = {}  # round -> what its cycle made (run id, files, checkpoint...)

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT,
                                               source_address=(self.addr, 0))

    def request(self, method, path, body=None, raw=False, expect=None):
        """(status, JSON or bytes). A 429/503 busy is sent again after its Retry-After, as the web
        app does (counted as "busy"); so is a request on a kept-alive connection that the server
        had closed as idle (lws: after 5 s) before any byte of an answer, as browsers do (counted
        as "resent"). Cut when no answer came (counted as "conn" or "timeout")."""
        route = route_of(method, path)
        data = None if body is None else json.dumps(body).encode()
        busy_until = time.monotonic() + BUSY_DEADLINE
        while True:
            headers = {"Accept": "application/json"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            if self.cookie:
                headers["Cookie"] = self.cookie
            if self.csrf and method != "GET":
                headers["X-CSRF-Token"] = self.csrf
            if self.conn is None:
                self._connect()
            reused, self.used = self.used > 0, self.used + 1
            t0 = time.monotonic()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
            except (socket.timeout, TimeoutError) as e:
                self._drop()
                self.stats.add(route, "timeout", (time.monotonic() - t0) * 1000)
                raise Cut("%s %s: no answer in %d s (%s)" % (method, path, REQUEST_TIMEOUT, e))
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                if reused and isinstance(e, (ConnectionResetError, BrokenPipeError)):
                    self.stats.add(route, "resent", (time.monotonic() - t0) * 1000)
                    continue  # closed as idle while the request went out: sent again on a new one
                self.stats.add(route, "conn", (time.monotonic() - t0) * 1000)
                raise Cut("%s %s: %s: %s" % (method, path, type(e).__name__, e))
            ms = (time.monotonic() - t0) * 1000
            cookie = resp.getheader("Set-Cookie")
            if cookie and cookie.startswith("rae_session="):
                self.cookie = cookie.split(";", 1)[0]
            busy = resp.status in (429, 503) and b'"busy"' in payload
            outcome = str(resp.status)
            if resp.status >= 400:
                m = re.search(rb'"code":"([a-z_]+)"', payload[:200])
                outcome += " " + (m.group(1).decode() if m else "(no JSON error)")
            self.stats.add(route, "busy" if busy else outcome, ms, resp.status == expect)
            if resp.getheader("Connection", "").lower() == "close":
                self._drop()
            if busy and time.monotonic() < busy_until:
                time.sleep(float(resp.getheader("Retry-After") or 1))
                continue
            if raw and resp.status == 200:
                return resp.status, payload
            try:
                return resp.status, json.loads(payload) if payload else None
            except ValueError:
                return resp.status, payload

    def _drop(self):
        if self.conn is not None:
            self.conn.close()
        self.conn, self.used = None, 0

    def want(self, status, method, path, body=None, raw=False):
        """The answer of a request that must succeed with status; Check otherwise."""
        got, doc = self.request(method, path, body, raw, expect=status)
        if got != status:
            raise Check("%s %s: %d, wanted %d: %s" % (method, path, got, status, str(doc)[:300]))
        return doc


# where the notes app's page puts what the viewer clicks (Chromium maximized on the 1280x800
# display of a sprite, as `rae capture` starts it)
USERNAME_FIELD, PASSWORD_FIELD, TAGS_BUTTON = (650, 247), (650, 301), (383, 121)
PAGE_ENTRIES = 5  # the page, its script, style sheet and icon, and the beacon its script sends
# once it has shown the sign-in form
SIGN_IN_TRIES = 3  # a person whose typing did nothing types again
VNC_HOLD = 30  # a viewer waits this long for the display (the server holds it 15 s, then 1013)


class Viewer:
    """A page's noVNC: the display WebSocket opened right after browser/start, RFB 3.8 without
    security, then clicks and keys; the time to the RFB greeting is counted as the route
    "WS /api/sprite/{}/browser/vnc"."""

    ROUTE = "WS /api/sprite/{}/browser/vnc"

    def __init__(self, port, path, u, stats):
        self.stats = stats
        deadline = time.time() + STARTING_DEADLINE
        while True:
            t0, self.ws = time.monotonic(), None
            try:
                self.ws = sl.WebSocket(port, path, cookie=u.cookie, protocol=None)
                self.ws.sock.settimeout(VNC_HOLD)
                if self.ws.status != 101:
                    raise Check("the display WebSocket: status %d" % self.ws.status)
                greeting = self.ws.recv_exactly(12)
                stats.add(self.ROUTE, "101", (time.monotonic() - t0) * 1000)
                break
            except (OSError, EOFError) as e:
                code = self.ws.close_code if self.ws else None
                stats.add(self.ROUTE, "close %s" % code if code else "conn",
                          (time.monotonic() - t0) * 1000)
                if time.time() > deadline:
                    raise Check("the display never greeted: %s (close %s)" % (e, code))
                time.sleep(1)  # noVNC would reconnect too
        if greeting != b"RFB 003.008\n":
            raise Check("the display said %r" % greeting)
        ws = self.ws
        ws.send(b"RFB 003.008\n")
        types = ws.recv_exactly(ws.recv_exactly(1)[0])
        if 1 not in types:
            raise Check("the display offers no 'None' security: %r" % types)
        ws.send(bytes([1]))
        if ws.recv_exactly(4) != b"\0\0\0\0":
            raise Check("the display refused the security type")
        ws.send(bytes([1]))  # ClientInit, shared
        init = ws.recv_exactly(24)
        ws.recv_exactly(struct.unpack(">I", init[20:24])[0])

    def click(self, x, y):
        for buttons in (0, 1, 0):
            self.ws.send(struct.pack(">BBHH", 5, buttons, x, y))
        time.sleep(0.2)

    def type(self, text):
        for ch in text:
            keysym = 0xFF0D if ch == "\n" else ord(ch)
            self.ws.send(struct.pack(">BBxxI", 4, 1, keysym) + struct.pack(">BBxxI", 4, 0, keysym))

    def field(self, x, y, text):
        """Clicks the field at x, y, selects what it holds (Ctrl+A) and types text over it."""
        self.click(x, y)
        ctrl = struct.pack(">BBxxI", 4, 1, 0xFFE3)
        self.ws.send(ctrl + struct.pack(">BBxxI", 4, 1, 0x61) + struct.pack(">BBxxI", 4, 0, 0x61) +
                     struct.pack(">BBxxI", 4, 0, 0xFFE3))
        self.type(text)

    def sign_in(self):
        self.field(*USERNAME_FIELD, "alice")
        self.field(*PASSWORD_FIELD, "wonderland\n")

    def screenshot(self, path):
        """The display as a PNG at path (RFB raw encoding, 32 bits a pixel), for a failure."""
        ws = self.ws
        ws.send(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
        ws.send(struct.pack(">BxHi", 2, 1, 0))
        ws.send(struct.pack(">BBHHHH", 3, 0, 0, 0, 1280, 800))
        while True:  # what came before the update (a bell, a cut text) is skipped
            kind = ws.recv_exactly(1)[0]
            if kind == 0:
                break
            if kind == 3:
                ws.recv_exactly(struct.unpack(">xxxI", ws.recv_exactly(7))[0])
        fb = bytearray(1280 * 800 * 3)
        for _ in range(struct.unpack(">xH", ws.recv_exactly(3))[0]):
            x, y, w, h, _enc = struct.unpack(">HHHHi", ws.recv_exactly(12))
            data = ws.recv_exactly(w * h * 4)
            for row in range(h):
                line = data[row * w * 4:(row + 1) * w * 4]
                o = ((y + row) * 1280 + x) * 3
                fb[o:o + w * 3] = bytes(b for i in range(w) for b in line[i * 4:i * 4 + 3][::-1])
        rows = b"".join(b"\0" + bytes(fb[r * 3840:(r + 1) * 3840]) for r in range(800))

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(
                ">I", zlib.crc32(kind + data))
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1280, 800, 8, 2,
                                                                        0, 0, 0)) +
                    chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

    def close(self):
        self.ws.sock.close()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def zip_members(data):
    """{name: sha256} of a zip's files (a zip's own bytes hold mtimes: contents are compared)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: sha(z.read(name)) for name in z.namelist() if not name.endswith("/")}


class Soak:
    def __init__(self, port, site, stats, keep):
        self.port, self.site, self.stats, self.keep = port, site, stats, keep
        self.server = None
        self.sched_mark = (0, (0, 0, 0))
        self.restarted = threading.Event()  # set once the server killed in round 2 is up again
        self.kill_info = None

    # ---- one user's cycle ----

    def cycle(self, u, rnd):
        """Sprite, capture driven through the VNC relay and the browser commands, stop, engineer
        run with replay, zip, checkpoint, restore. What it made goes to u.rounds[rnd]."""
        got = u.rounds.setdefault(rnd, {})
        base = "/api/sprite/%s" % u.sprite
        u.phase = "capture"
        status, started = u.request("POST", base + "/browser/start", {"url": self.site + "/"})
        if status == 503:  # the sprite could not start it (its network, under this load): a
            time.sleep(5)  # person would press start again, once (it is counted as an error)
            status, started = u.request("POST", base + "/browser/start", {"url": self.site + "/"})
        if status != 200:
            raise Check("POST browser/start: %d %s" % (status, started))
        got["capture"], got["har_started"] = started["captureId"], started["harPath"]
        viewer = Viewer(self.port, started["vncUrl"], u, self.stats)  # at once, as a page does
        try:
            deadline = time.time() + STARTING_DEADLINE
            while True:  # the fixture's page is shown
                st = u.want(200, "GET", base + "/browser/status")
                if not st.get("running"):
                    raise Check("the browser ended by itself while starting: %s" % st)
                if st.get("starting") is False and st.get("entries", 0) >= PAGE_ENTRIES:
                    time.sleep(1)  # its script has run: the form is there
                    break
                if time.time() > deadline:
                    raise Check("the page was not shown within %d s: %s" % (STARTING_DEADLINE, st))
                time.sleep(1)
            for attempt in range(1, SIGN_IN_TRIES + 1):
                viewer.sign_in()  # the notes app's form, clicked and typed into through the relay
                deadline = time.time() + 20
                while True:  # its requests are recorded (login, csrf, me, notes, stats)
                    now = u.want(200, "GET", base + "/browser/status")
                    if now.get("entries", 0) >= st.get("entries", 0) + 5 or \
                            time.time() > deadline:
                        break
                    time.sleep(1)
                got["sign_in_tries"] = attempt
                if now.get("entries", 0) >= st.get("entries", 0) + 5:
                    break
                if attempt == SIGN_IN_TRIES:  # what the display showed, for the report
                    shot = os.path.join(self.keep, "sign-in-user%d-round%d.png" % (u.n, rnd))
                    try:
                        viewer.screenshot(shot)
                    except (OSError, EOFError, struct.error) as e:
                        shot = "no screenshot: %s" % e
                    raise Check("the sign-in typed %d times through the VNC relay was not "
                                "recorded: %s -> %s entries (%s)" % (
                                    attempt, st.get("entries"), now.get("entries"), shot))
            viewer.click(*TAGS_BUTTON)  # GET /api/tags
        finally:
            viewer.close()
        for op, body in (("navigate", {"url": self.site + "/?from=soak"}), ("back", {}),
                         ("forward", {}), ("reload", {})):
            deadline = time.time() + 30
            while True:
                status, doc = u.request("POST", base + "/browser/" + op, body)
                if status == 200:
                    break
                if status == 409 and doc["error"]["code"] == "browser_starting" and \
                        time.time() < deadline:
                    time.sleep(1)
                    continue
                raise Check("browser %s: %d %s" % (op, status, doc))
            time.sleep(0.5)
        got["entries_seen"] = u.want(200, "GET", base + "/browser/status").get("entries", 0)
        u.phase = "stop"
        stopped = u.want(200, "POST", base + "/browser/stop", {})
        got["har"] = stopped["harPath"]
        u.phase = "run"
        run = u.want(202, "POST", base + "/engineer/run", {"harPath": stopped["harPath"],
                                                           "replay": True})
        got["run"] = run["runId"]
        deadline = time.time() + RUN_DEADLINE
        while True:
            rec = u.want(200, "GET", base + "/engineer/run/" + run["runId"])["run"]
            if rec["status"] != "running":
                break
            if time.time() > deadline:
                raise Check("run %s still running after %d s" % (run["runId"], RUN_DEADLINE))
            time.sleep(1)
        got["run_status"] = rec["status"]
        if rec["status"] != "complete":
            raise Check("run %s ended %s: %s" % (run["runId"], rec["status"], rec.get("error")))
        got["replay"], got["endpoints"] = rec.get("replay"), rec.get("endpoints")
        if not rec.get("replay") or rec["replay"].get("passed", 0) < 1:
            raise Check("run %s replayed nothing: %s" % (run["runId"], rec))
        u.phase = "files"
        scripts = rec["scriptsDir"]
        got["scripts"] = scripts
        got["zip"] = zip_members(u.want(200, "GET", "%s/files?path=%s&download=1" % (base, scripts),
                                        raw=True))
        if "api_client.py" not in got["zip"] or "replay.py" not in got["zip"]:
            raise Check("the scripts' zip holds %s" % sorted(got["zip"]))
        got["har_sha"] = sha(u.want(200, "GET", "%s/files?path=%s&download=1" % (base, got["har"]),
                                    raw=True))
        u.phase = "checkpoint"
        ck = u.want(201, "POST", base + "/checkpoint", {"comment": "soak round %d" % rnd})
        got["checkpoint"] = ck["id"]
        got["manifest"] = self.manifest(u)
        u.want(200, "DELETE", "%s/files?path=%s" % (base, scripts))
        u.want(404, "GET", "%s/files?path=%s" % (base, scripts))
        u.want(200, "POST", "%s/checkpoint/%s/restore" % (base, ck["id"]), {})
        again = zip_members(u.want(200, "GET", "%s/files?path=%s&download=1" % (base, scripts),
                                   raw=True))
        if again != got["zip"]:
            raise Check("the restore of %s gave other scripts: %s vs %s" % (ck["id"], again,
                                                                             got["zip"]))
        got["done"] = True
        u.phase = "idle"

    def manifest(self, u):
        """{path: sha256} of the files under /workspace/har and /workspace/scripts."""
        out = {}
        base = "/api/sprite/%s/files?path=" % u.sprite
        todo = ["/workspace/har", "/workspace/scripts"]
        while todo:
            d = todo.pop()
            for e in u.want(200, "GET", base + d)["entries"]:
                p = d + "/" + e["name"]
                if e["type"] == "dir":
                    todo.append(p)
                elif e["type"] == "file":
                    out[p] = sha(u.want(200, "GET", base + p + "&download=1", raw=True))
        return out

    # ---- the rounds ----

    def user_sign_in(self, u):
        u.phase = "sign-in"
        doc = u.want(200, "POST", "/api/auth/login", {"username": "soak%d" % u.n,
                                                      "password": "soak-password-%d" % u.n})
        u.csrf = doc["csrf"]
        u.phase = "sprite"
        status, doc = u.request("POST", "/api/sprite", {})
        if status not in (200, 201):
            raise Check("POST /api/sprite: %d %s" % (status, doc))
        u.sprite = doc["id"]
        u.phase = "idle"

    def user_round1(self, u):
        time.sleep(SPREAD * u.n / max(1, USERS))
        self.cycle(u, 1)

    def user_round2(self, u):
        """A cycle the kill cuts (or not), what the user then finds, and a cycle after it."""
        time.sleep(SPREAD * u.n / max(1, USERS))
        try:
            self.cycle(u, 2)
            u.rounds[2]["before_kill"] = True
        except Cut as e:
            u.rounds[2]["cut"] = "%s (while: %s)" % (e, u.phase)
            u.rounds[2]["cut_phase"] = u.phase
        u.phase = "waiting"
        self.restarted.wait()
        self.after_restart(u)
        u.rounds[3] = {}
        self.cycle(u, 3)

    def after_restart(self, u):
        """What the kill left: the session still valid, a run cut short ended with a reason and
        its stream closed, a capture that outlived the server stopped, round 1's files intact."""
        base = "/api/sprite/%s" % u.sprite
        deadline = time.time() + 60
        while True:  # the server may still be starting
            try:
                me = u.request("GET", "/api/me")
                break
            except Cut:
                if time.time() > deadline:
                    raise Check("the server did not answer within 60 s of its restart")
                time.sleep(0.5)
        if me[0] != 200:
            raise Check("the session did not outlive the restart: %d %s" % me)
        r2 = u.rounds.get(2, {})
        r2["cut_runs"] = []
        for job in u.want(200, "GET", "/api/sessions")["sessions"]:
            # every run of round 1 and of round 2 before the kill ended complete: one that did
            # not was cut by the kill (its 202 may have been lost with the server)
            if job["kind"] != "run" or job["status"] == "complete":
                continue
            rec = u.want(200, "GET", base + "/engineer/run/" + job["id"])["run"]
            if rec["status"] == "running":
                raise Check("run %s cut by the kill is still 'running' after the restart" %
                            job["id"])
            if not rec.get("error"):
                raise Check("run %s cut by the kill ended without a reason: %s" % (job["id"], rec))
            ws = sl.WebSocket(self.port, "%s/engineer/stream?run=%s" % (base, job["id"]),
                              cookie=u.cookie, protocol=None)
            ws.sock.settimeout(15)
            try:
                events = ws.events() if ws.status == 101 else []
            except (OSError, EOFError) as e:
                raise Check("the stream of run %s after the kill: %s" % (job["id"], e))
            finally:
                ws.sock.close()
            if not events:
                raise Check("the stream of run %s after the kill: status %d" % (job["id"],
                                                                                  ws.status))
            r2["cut_runs"].append({"id": job["id"], "status": rec["status"],
                                   "error": rec["error"], "last_event": events[-1],
                                   "answered_202": job["id"] == r2.get("run")})
        st = u.want(200, "GET", base + "/browser/status")
        if st.get("running"):  # a capture outlived the server: it is stopped as usual
            r2["capture_outlived"] = True
            u.want(200, "POST", base + "/browser/stop", {})
        if r2.get("capture") and not r2.get("har"):  # the kill came before its stop answered
            job = [j for j in u.want(200, "GET", "/api/sessions")["sessions"]
                   if j["id"] == r2["capture"]]
            status, data = u.request("GET", "%s/files?path=%s&download=1" % (
                base, r2["har_started"]), raw=True)
            if status != 200:
                raise Check("the HAR of capture %s, cut by the kill, is lost: %d %s" % (
                    r2["capture"], status, data))
            try:
                entries = len(json.loads(data)["log"]["entries"])
            except (ValueError, KeyError, TypeError) as e:
                raise Check("the HAR of capture %s, cut by the kill, is not whole: %s" % (
                    r2["capture"], e))
            r2["cut_capture"] = {"phase": r2.get("cut_phase"), "entries": entries,
                                 "outlived": bool(r2.get("capture_outlived")),
                                 "status": job[0]["status"] if job else None,
                                 "error": job[0].get("error") if job else None}
        r1 = u.rounds[1]
        if zip_members(u.want(200, "GET", "%s/files?path=%s&download=1" % (base, r1["scripts"]),
                              raw=True)) != r1["zip"]:
            raise Check("round 1's scripts changed across the kill")
        if sha(u.want(200, "GET", "%s/files?path=%s&download=1" % (base, r1["har"]),
                      raw=True)) != r1["har_sha"]:
            raise Check("round 1's HAR changed across the kill")
        r2["verified_r1"] = True

    def user_final(self, u):
        """Round 1's checkpoint, restored after the restart, gives round 1's files."""
        r1 = u.rounds[1]
        u.want(200, "POST", "/api/sprite/%s/checkpoint/%s/restore" % (u.sprite, r1["checkpoint"]),
               {})
        now = self.manifest(u)
        if now != r1["manifest"]:
            lost = sorted(set(r1["manifest"]) - set(now))
            changed = sorted(p for p in r1["manifest"] if p in now and now[p] != r1["manifest"][p])
            extra = sorted(set(now) - set(r1["manifest"]))
            raise Check("round 1's checkpoint after the restart: lost %s, changed %s, extra %s" %
                        (lost, changed, extra))
        r1["restored_after_restart"] = len(now)


def run_users(users, fn, stats):
    """fn(user) in a thread per user; a Check or Cut that ends a user is recorded as a failure."""
    def one(u):
        try:
            fn(u)
        except (Check, Cut) as e:
            stats.fail(u.n, "%s (%s)" % (e, u.phase))
    threads = [threading.Thread(target=one, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    return threads


def killer(soak, users, stats):
    """Kills the server once KILL_RUNS runs (or, for want of runs, captures) are in flight, or
    KILL_AFTER seconds into round 2; starts it again 1 s later."""
    t0 = time.time()
    while True:
        phases = [u.phase for u in users]
        runs, captures = phases.count("run"), phases.count("capture") + phases.count("stop")
        if runs >= KILL_RUNS or time.time() - t0 > KILL_AFTER or phases.count("waiting") == \
                len(users) or (time.time() - t0 > KILL_AFTER / 2 and runs + captures >= KILL_RUNS):
            break
        time.sleep(0.2)
    soak.kill_info = {"at_s": round(time.time() - t0, 1), "phases": {p: phases.count(p)
                                                                     for p in set(phases)}}
    print("round 2: kill -9 of rae serve at %.1f s; users were: %s" %
          (soak.kill_info["at_s"], soak.kill_info["phases"]), flush=True)
    soak.server.proc.kill()
    soak.server.proc.wait()
    time.sleep(1)
    with stats.lock:
        stats.round = 3  # what comes after the restart is round 3's
    t1 = time.time()
    try:
        soak.server.start()  # a server that does not start: the users find no answer and fail
    except SystemExit:
        stats.failures.append("rae serve did not start again after the kill")
        soak.restarted.set()
        return
    soak.kill_info["restart_s"] = round(time.time() - t1, 2)
    server_started(soak)
    # the runs the kill cut short are said to be interrupted: their processes must be gone too
    uids = {uid for uid in sprite_ids(sl.CTX["data"]).values() if uid}
    deadline = time.time() + 10
    while True:
        left = run_processes(uids)
        if not left or time.time() > deadline:
            break
        time.sleep(0.5)
    soak.kill_info["run_processes_left"] = left
    if left:
        stats.failures.append("engineer runs still running 10 s after the kill: %s" % left)
    soak.restarted.set()


def loop_sched(pid):
    """(seconds on a CPU, seconds runnable but waiting for one) of the process' main thread (rae
    serve's event loop), and the CPU seconds of all its threads: they tell a slow answer's own
    cause from a machine with more to run than it has CPUs."""
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
            on, wait = f.read().split()[:2]
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return int(on) / 1e9, int(wait) / 1e9, (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return 0.0, 0.0, 0.0


def server_started(soak):
    """A mark for the loop's figures of a server just started."""
    soak.sched_mark = (time.time(), loop_sched(soak.server.proc.pid))


def loop_figures(soak):
    t, (on, wait, cpu) = soak.sched_mark
    now_on, now_wait, now_cpu = loop_sched(soak.server.proc.pid)
    return {"wall_s": round(time.time() - t, 1), "loop_cpu_s": round(now_on - on, 1),
            "loop_runqueue_wait_s": round(now_wait - wait, 1),
            "server_cpu_s": round(now_cpu - cpu, 1)}


# ---- what is left behind ----

def sprite_ids(data):
    """{name: host uid} of the data dir's sprites, from their sprite.json."""
    out = {}
    sprites = os.path.join(data, "sprites")
    for name in os.listdir(sprites) if os.path.isdir(sprites) else []:
        try:
            with open(os.path.join(sprites, name, "sprite.json")) as f:
                out[name] = json.load(f).get("uid")
        except (OSError, ValueError):
            out[name] = None
    return out


def processes_of(uids):
    """The pids whose real uid is one of uids, and those of them that are zombies."""
    pids, zombies = [], []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("State:"):
                        zombie = line.split()[1] == "Z"
                    elif line.startswith("Uid:"):
                        if int(line.split()[1]) in uids:
                            (zombies if zombie else pids).append(int(pid))
                        break
        except OSError:
            pass
    return pids, zombies


def run_processes(uids):
    """[pid, command] of the sprites' processes that are an engineer run or its replay."""
    out = []
    for pid in processes_of(uids)[0]:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if "engineer" in cmd or "replay.py" in cmd:
            out.append([pid, cmd[:200]])
    return out


def cgroup_tag(data):
    """The tag in the cgroup names of a data dir's sprites, rae-TAG-NAME (src/sprite/local.c:
    "r" and 5 hex digits of FNV-1a of the data dir's real path)."""
    h = 2166136261
    for c in os.path.realpath(data).encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return "r%05x" % (h & 0xFFFFF)


def cgroups_of(data, names):
    """[path, processes in it] of the cgroup directories of these sprites of data, in any
    hierarchy."""
    want = {"rae-%s-%s" % (cgroup_tag(data), n) for n in names}
    found = []
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        for d in dirnames:
            if d in want:
                path = os.path.join(dirpath, d)
                try:
                    with open(os.path.join(path, "cgroup.procs")) as f:
                        procs = len(f.read().split())
                except OSError:
                    procs = 0
                found.append((path, procs))
    return found


def mounts_under(data):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(data)]


def loops_under(data):
    r = subprocess.run(["losetup", "-l", "-n", "-O", "NAME,BACK-FILE"], capture_output=True,
                       text=True)
    return [line for line in r.stdout.splitlines() if data in line]


# ---- figures ----

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0


def report(stats, users, soak, leftovers, secs, load, healthz):
    rows = stats.rows
    print()
    print("requests: %d in %.0f s (round 1: %d, round 2 up to the kill: %d, after the restart: %d)"
          % (len(rows), secs, sum(r[0] == 1 for r in rows), sum(r[0] == 2 for r in rows),
             sum(r[0] == 3 for r in rows)))
    print("load during the soak: 1-minute load average median %.1f (max %.1f), processes runnable "
          "median %d (max %d); Chromium processes at most %d" %
          (load["load_median"], load["load_max"], load["runnable_median"], load["runnable_max"],
           load["chromium_processes_max"]))
    for name, h in healthz.items():
        print("GET /healthz every 100 ms, %s: p50 %.1f ms, p99 %.1f ms, max %.0f ms (%d answers, "
              "%d failed)" % (name, h["p50"], h["p99"], h["max"], h["n"], h["errors"]))
        if "loop" in h:
            print("  rae serve meanwhile, in %.0f s: %.1f s of CPU in all its threads; its event "
                  "loop %.1f s on a CPU and %.1f s runnable but waiting for one" % (
                      h["loop"]["wall_s"], h["loop"]["server_cpu_s"], h["loop"]["loop_cpu_s"],
                      h["loop"]["loop_runqueue_wait_s"]))
    print()
    print("%-46s %6s %9s %9s %9s  %s" % ("route", "n", "p50 ms", "p99 ms", "max ms",
                                         "not 2xx (outcome: count; * = what the step expected)"))
    per = {}
    for rnd, route, outcome, ms, expected in rows:
        per.setdefault(route, []).append((outcome, ms, expected))
    figures = {}
    for route in sorted(per, key=lambda r: (r.split(" ", 1)[1], r)):
        answered = [ms for o, ms, e in per[route] if o[0].isdigit()]  # an HTTP status came back
        other = {}
        for o, _, e in per[route]:
            if not o.startswith("2") and o != "101":
                key = o + ("*" if e else "")
                other[key] = other.get(key, 0) + 1
        figures[route] = {"n": len(per[route]), "p50_ms": pct(answered, 0.5) if answered else None,
                          "p99_ms": pct(answered, 0.99) if answered else None,
                          "max_ms": max(answered or [0]), "other": other}
        print("%-46s %6d %9.1f %9.1f %9.1f  %s" % (
            route, len(per[route]), figures[route]["p50_ms"] or 0, figures[route]["p99_ms"] or 0,
            figures[route]["max_ms"], ", ".join("%s: %d" % kv for kv in sorted(other.items()))))
    kinds = {}
    for rnd, route, outcome, ms, expected in rows:
        if outcome.startswith("2") or outcome == "101" or expected:
            continue
        names = {"conn": "connection error", "timeout": "timeout",
                 "busy": "busy (429/503, sent again)",
                 "resent": "closed before an answer, sent again"}
        key = names.get(outcome) or (outcome if outcome.startswith("close") else "HTTP " + outcome)
        kinds.setdefault(key, {}).setdefault(route, [0, 0, 0])[rnd - 1] += 1
    print()
    print("errors by kind and route (round 1 / round 2 up to the kill / after the restart):")
    for k in sorted(kinds):
        for route, n in sorted(kinds[k].items()):
            print("  %-37s %-44s %4d / %4d / %4d" % (k, route, *n))
    if not kinds:
        print("  none")
    print()
    runs = {}
    for rnd in (1, 2, 3):
        got = [u.rounds.get(rnd, {}) for u in users]
        runs[rnd] = {"started": sum(bool(g.get("run")) for g in got),
                     "complete": sum(g.get("run_status") == "complete" for g in got),
                     "cycles_done": sum(bool(g.get("done")) for g in got),
                     "replay": [g.get("replay") for g in got if g.get("replay")]}
    cut = [c for u in users for c in u.rounds.get(2, {}).get("cut_runs", [])]
    print("runs: round 1 %d started, %d complete;  round 2 (killed) %d started, %d complete "
          "before the kill, %d in flight at the kill;  after the restart %d started, %d complete"
          % (runs[1]["started"], runs[1]["complete"], runs[2]["started"], runs[2]["complete"],
             len(cut), runs[3]["started"], runs[3]["complete"]))
    reasons = {}
    for c in cut:
        key = "%s: %s; its stream ended with %s %s" % (
            c["status"], c["error"], c["last_event"]["type"], c["last_event"].get("kind", ""))
        reasons[key] = reasons.get(key, 0) + 1
    for k, v in reasons.items():
        print("  in flight at the kill -> %s  (%d)" % (k, v))
    print("  (of them, %d had not had their 202 yet)" % sum(not c["answered_202"] for c in cut))
    replays = runs[1]["replay"] + runs[3]["replay"]
    print("replays: %d, %d with a failed step" % (len(replays),
                                                  sum(bool(r.get("failed")) for r in replays)))
    tries = [g.get("sign_in_tries", 0) for u in users for g in u.rounds.values()]
    print("sign-ins through the display: %d, typed again: %d" % (
        sum(t > 0 for t in tries), sum(t > 1 for t in tries)))
    outlived = sum(bool(u.rounds.get(2, {}).get("capture_outlived")) for u in users)
    print("captures running at the kill that were still running after the restart: %d" % outlived)
    caps = [u.rounds[2]["cut_capture"] for u in users if u.rounds.get(2, {}).get("cut_capture")]
    kinds_c = {}
    for c in caps:
        key = "cut while %s%s -> HAR whole; recorded %s%s" % (
            c["phase"], ", outlived the server" if c["outlived"] else "", c["status"],
            " (%s)" % c["error"] if c["error"] else "")
        kinds_c[key] = kinds_c.get(key, 0) + 1
    print("captures cut by the kill before their stop answered: %d" % len(caps))
    for k, v in sorted(kinds_c.items()):
        print("  %s  (%d)" % (k, v))
    print("kill: %s" % json.dumps(soak.kill_info))
    verified = sum(bool(u.rounds.get(2, {}).get("verified_r1")) for u in users)
    restored = [u.rounds[1].get("restored_after_restart") for u in users if 1 in u.rounds]
    print("round 1's files byte for byte after the restart: %d of %d users; its checkpoint "
          "restored after the restart with the same files: %d of %d users (%d files)" %
          (verified, len(users), sum(r is not None for r in restored), len(users),
           sum(r or 0 for r in restored)))
    print("left after rae sprite rm of %d sprites: %d processes (and %d zombies), %d cgroups (%d "
          "processes in them), %d mounts, %d loop devices" %
          (leftovers["sprites"], len(leftovers["processes"]), len(leftovers["zombies"]),
           len(leftovers["cgroups"]),
           sum(p for _, p in leftovers["cgroups"]), len(leftovers["mounts"]),
           len(leftovers["loops"])))
    return {"routes": figures, "errors": kinds, "runs": runs, "cut": cut, "reasons": reasons,
            "kill": soak.kill_info, "healthz": healthz, "verified_round1": verified,
            "restored_after_restart": restored, "outlived_captures": outlived,
            "cut_captures": caps}


class LoadWatch:
    """The 1-minute load average, the processes runnable at that moment and the number of
    Chromium processes, every 2 s."""

    def __init__(self):
        self.samples, self.stop_flag = [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_flag:
            with open("/proc/loadavg") as f:
                fields = f.read().split()
            load, runnable = float(fields[0]), int(fields[3].split("/")[0])
            chromes = 0
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open("/proc/%s/comm" % pid) as f:
                            chromes += f.read().strip() in ("chromium", "chrome")
                    except OSError:
                        pass
            self.samples.append((load, chromes, runnable))
            time.sleep(2)

    def stop(self):
        self.stop_flag = True
        self.thread.join()
        loads = [s[0] for s in self.samples] or [0]
        runnable = [s[2] for s in self.samples] or [0]
        return {"load_median": statistics.median(loads), "load_max": max(loads),
                "runnable_median": statistics.median(runnable), "runnable_max": max(runnable),
                "chromium_processes_max": max([s[1] for s in self.samples] or [0])}


def main():
    out = tempfile.mkdtemp(prefix="rae-soak-")  # 0700: the sprites must work below it
    sl.setup("bench/soak", RAE, out)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    keep = os.path.join(ROOT, "build", "bench", "serve", "soak-" + stamp)
    os.makedirs(keep, exist_ok=True)
    stats = Stats()
    site = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "fixtures", "notes_api",
                                                          "app.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = site.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        print("the notes_api fixture did not start: %r" % line)
        return 1
    site_port = int(m.group(1))
    for i in range(USERS):
        sl.add_user("soak%d" % i, "soak-password-%d" % i)
    port = sl.free_port()
    soak = Soak(port, "http://127.0.0.1:%d" % site_port, stats, keep)
    users = [User(i, port, stats) for i in range(USERS)]
    load = LoadWatch()
    t0 = time.time()
    healthz = {}
    try:
        # a data dir holds 16 sprites unless told otherwise, and each user has one
        soak.server = sl.Server(port, site_port, extra=["--max-sprites", str(max(16, USERS))])
        server_started(soak)
        print("soak: %d users, rae serve on 127.0.0.1:%d, the site on %d, data in %s" %
              (USERS, port, site_port, out), flush=True)
        health = sl.HealthWatch(port, every=0.1)
        for t in run_users(users, soak.user_sign_in, stats):
            t.join()
        signed = [u for u in users if u.sprite]
        ids = sprite_ids(sl.CTX["data"])
        if len(set(ids.values())) != len(ids):
            stats.failures.append("sprites share host uids: %s" % sorted(ids.items()))
        print("signed in with a sprite at %.0f s: %d of %d users" % (time.time() - t0, len(signed),
                                                                     USERS), flush=True)
        for t in run_users(signed, soak.user_round1, stats):
            t.join()
        healthz = {"round 1": health.stop()}
        healthz["round 1"]["loop"] = loop_figures(soak)
        print("round 1 done at %.0f s: %d of %d cycles" %
              (time.time() - t0, sum(bool(u.rounds.get(1, {}).get("done")) for u in users), USERS),
              flush=True)
        ready = [u for u in users if u.rounds.get(1, {}).get("done")]
        with stats.lock:
            stats.round = 2
        health = sl.HealthWatch(port, every=0.1)
        threads = run_users(ready, soak.user_round2, stats)
        kill = threading.Thread(target=killer, args=(soak, ready, stats), daemon=True)
        kill.start()
        for t in threads:
            t.join()
        kill.join()
        healthz["round 2 and after the restart"] = health.stop()
        healthz["round 2 and after the restart"]["loop"] = loop_figures(soak)  # the new server's
        print("round 2 and the cycle after the restart done at %.0f s" % (time.time() - t0),
              flush=True)
        for t in run_users([u for u in ready if u.rounds.get(3, {}).get("done")], soak.user_final,
                           stats):
            t.join()
        soak.server.stop()
    finally:
        if soak.server:
            soak.server.kill()
        site.terminate()
        site.wait()
        secs = time.time() - t0
        load_figures = load.stop()
        ids = sprite_ids(sl.CTX["data"])
        sl.remove_sprites()
        uids = {uid for uid in ids.values() if uid}
        for _ in range(20):  # what rm killed is reaped by init, which takes a moment
            procs, zombies = processes_of(uids)
            if not procs and not zombies:
                break
            time.sleep(0.5)
        data = sl.CTX["data"]
        leftovers = {"sprites": len(ids), "processes": procs, "zombies": zombies,
                     "cgroups": cgroups_of(data, list(ids)), "mounts": mounts_under(data),
                     "loops": loops_under(data)}
        if os.path.exists(os.path.join(out, "serve.log")):
            shutil.copy(os.path.join(out, "serve.log"), keep)
        if not os.environ.get("KEEP"):
            shutil.rmtree(out, ignore_errors=True)
    results = report(stats, users, soak, leftovers, secs, load_figures, healthz)
    for u in users:
        if not u.rounds.get(1, {}).get("done"):
            stats.failures.append("user %d: round 1's cycle did not finish" % u.n)
        elif not u.rounds.get(3, {}).get("done"):
            stats.failures.append("user %d: the cycle after the restart did not finish" % u.n)
    if leftovers["processes"] or leftovers["cgroups"] or leftovers["mounts"] or leftovers["loops"]:
        stats.failures.append("left behind: %s" % json.dumps(leftovers))
    results.update(users=USERS, seconds=round(secs, 1), load=load_figures, leftovers=leftovers,
                   failures=stats.failures, date=time.strftime("%Y-%m-%d %H:%M:%S"),
                   requests=len(stats.rows), rows=stats.rows)
    for path in (os.path.join(ROOT, "build", "bench", "serve", "soak.json"),
                 os.path.join(keep, "soak.json")):
        with open(path, "w") as f:
            json.dump(results, f, indent=1)
    print()
    if stats.failures:
        print("FAILED checks (%d):" % len(stats.failures))
        for f in stats.failures:
            print("  " + f)
        return 1
    print("every check passed (results in build/bench/serve/soak.json, the log in %s)" % keep)
    return 0


def medians(paths):
    """The medians over several soaks' results (soak.json files): p50 and p99 per route, and the
    figures of the whole; 0."""
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    med = statistics.median
    print("medians of %d soak(s): %s" % (len(runs), ", ".join(r["date"] for r in runs)))
    print("%-46s %9s %9s %9s   %s" % ("route", "requests", "p50 ms", "p99 ms",
                                      "p50 ms of each soak"))
    for route in sorted({k for r in runs for k in r["routes"]}, key=lambda r: (r.split(" ", 1)[1],
                                                                               r)):
        got = [r["routes"][route] for r in runs if route in r["routes"]]
        p50 = [g["p50_ms"] for g in got if g["p50_ms"] is not None]
        p99 = [g["p99_ms"] for g in got if g["p99_ms"] is not None]
        print("%-46s %9.0f %9.0f %9.0f   %s" % (route, med([g["n"] for g in got]), med(p50 or [0]),
                                              med(p99 or [0]), " ".join("%.0f" % x for x in p50)))
    for name in runs[0]["healthz"]:
        h = [r["healthz"][name] for r in runs if name in r["healthz"]]
        print("GET /healthz, %s: p50 %.1f ms, p99 %.0f ms, max %.0f ms" % (
            name, med([x["p50"] for x in h]), med([x["p99"] for x in h]),
            med([x["max"] for x in h])))
        loops = [x["loop"] for x in h if "server_cpu_s" in x.get("loop", {})]
        if loops:
            print("  rae serve: %.1f s of CPU in %.0f s; its loop %.1f s on a CPU, %.1f s waiting "
                  "for one" % tuple(med([x[k] for x in loops]) for k in (
                      "server_cpu_s", "wall_s", "loop_cpu_s", "loop_runqueue_wait_s")))
    print("requests %.0f in %.0f s; load average %.0f, runnable %.0f (median of the medians), "
          "Chromium processes at most %.0f" % (
              med([r["requests"] for r in runs]), med([r["seconds"] for r in runs]),
              med([r["load"]["load_median"] for r in runs]),
              med([r["load"].get("runnable_median", 0) for r in runs]),
              med([r["load"]["chromium_processes_max"] for r in runs])))
    print("checks failed: %s" % [len(r["failures"]) for r in runs])
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--medians"]:
        sys.exit(medians(sys.argv[2:]))
    sys.exit(main())

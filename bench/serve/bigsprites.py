#!/usr/bin/python3
"""bench/serve/bigsprites: GET /healthz while 20 users list and poll 20 big sprites at once (issue
#14, "Nothing slow on the server's loop"). Each user has a sprite with 100,000 files in its
workspace; each user's client lists (GET /api/sprite, GET /api/sprite/{id}, the files of
/workspace, /workspace/many and one of its 100 folders of 1,000 files) in a loop on a kept-alive
connection, and another polls the browser status (GET .../browser/status, what the web app asks
every second) every 100 ms; meanwhile a client of its own asks GET /healthz every 20 ms on a new
connection each time. It prints /healthz's p50 and p99 against the 100 ms target, and each
route's latency.

    bench/serve/bigsprites.py [RAE_BINARY]     (default build/rae; run as root: sprites need it)

With OLD_RAE=path (a rae built from another commit, e.g. the one before own_sprite left the loop)
both binaries are measured in the same run, in turn on the same data dir (the old one first in
odd rounds, second in even ones), and the ratios old/new are printed, each taken within a round.
The sprites and their files are made once, with RAE_BINARY. NEW_POOLS="4 8" measures RAE_BINARY
again with each of these worker pools (UV_THREADPOOL_SIZE; rae serve takes 16, libuv's default
is 4), labelled new/4, new/8.

Environment: RUNS=3 (rounds; medians over them; 0: only make the sprites), SECS=20 (measured per binary per round, after
2 s of warm-up), SPRITES=20, FILES=100000 (per sprite, in 100 folders), KEEP=1 (keep the data
dir; DATA=dir then reuses it: the sprites and files are made only when missing), NO_OWN_FS=1
(the sprites get no filesystem of their own, as on a host without loop devices: the server that
makes them sees /dev/loop-control read-only; their disk use is then a walk of the workspace).
Writes build/bench/serve/bigsprites.json.
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RAE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "rae"))
OLD = os.environ.get("OLD_RAE")
RUNS = int(os.environ.get("RUNS", "3"))
SECS = float(os.environ.get("SECS", "20"))
SPRITES = int(os.environ.get("SPRITES", "20"))
FILES = int(os.environ.get("FILES", "100000"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import servelib as sl  # noqa: E402

HEALTHZ_P99_MS = 100
DIRS = 100
FILL = """
import os, sys
n, dirs = int(sys.argv[1]), int(sys.argv[2])
for d in range(dirs):
    p = '/workspace/many/d%d' % d
    os.makedirs(p, exist_ok=True)
    for f in range(n // dirs):
        open('%s/f%d' % (p, f), 'w').close()
open('/workspace/many/.done', 'w').close()
"""


def rae_cli(*args, check=True):
    r = subprocess.run([RAE, args[0], "--data-dir", sl.CTX["data"], *args[1:]],
                       capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit("bench: rae %s: %s" % (" ".join(args[:3]), r.stderr[-500:]))
    return r.stdout


def make_users(data):
    """SPRITES users, each with a token (kept in DATA/bench-tokens.json): [(name, token)]."""
    path = os.path.join(data, "bench-tokens.json")
    if os.path.exists(path):
        return json.load(open(path))
    users = []
    for k in range(SPRITES):
        name = "user%02d" % k
        sl.add_user(name, "bench-password-%d" % k)
        users.append((name, rae_cli("token", "create", name, "--label", "bench").strip()))
    with open(path, "w") as f:
        json.dump(users, f)
    return users


def call(conn, method, path, token):
    """(status, seconds) of one request on a kept-alive connection (made again when it broke)."""
    t0 = time.time()
    for attempt in (1, 2):
        try:
            conn.request(method, path, headers={"Authorization": "Bearer " + token})
            r = conn.getresponse()
            r.read()
            return r.status, time.time() - t0
        except (OSError, http.client.HTTPException):
            conn.close()
            if attempt == 2:
                return 0, time.time() - t0
    return 0, time.time() - t0


def no_own_fs_wrapper(parent):
    """A script that runs rae in a mount namespace of its own where /dev/loop-control is a
    read-only file: the sprites it makes get no filesystem of their own (disk.c)."""
    path = os.path.join(parent, "rae-no-own-fs")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec unshare -m --propagation private sh -c 'f=$(mktemp) && "
                "mount --bind \"$f\" /dev/loop-control && "
                "mount -o remount,bind,ro /dev/loop-control && exec \"$@\"' sh %s \"$@\"\n"
                % RAE)
    os.chmod(path, 0o755)
    return path


def make_sprites(port, users):
    """Each user's sprite (made when missing), filled with FILES files: [sprite id]."""
    ids = []
    for k, (name, token) in enumerate(users):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/api/sprite", body="{}", headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = conn.getresponse()
        doc = json.loads(r.read())
        if r.status not in (200, 201):
            sys.exit("bench: POST /api/sprite as %s: %s %s" % (name, r.status, doc))
        ids.append(doc["id"])
    todo = [sid for sid in ids
            if subprocess.run([RAE, "sprite", "exec", sid, "--data-dir", sl.CTX["data"], "--",
                               "test", "-e", "/workspace/many/.done"]).returncode != 0]
    t0 = time.time()
    running = []
    for sid in todo:  # two at a time: the machine has two cores
        running.append(subprocess.Popen([RAE, "sprite", "exec", sid, "--data-dir",
                                         sl.CTX["data"], "--", "python3", "-c", FILL,
                                         str(FILES), str(DIRS)]))
        if len(running) == 2:
            if running.pop(0).wait() != 0:
                sys.exit("bench: filling a sprite failed")
    for p in running:
        if p.wait() != 0:
            sys.exit("bench: filling a sprite failed")
    if todo:
        df = rae_cli("sprite", "exec", ids[0], "--", "df", "-i", "/workspace").splitlines()[-1]
        own = json.load(open(os.path.join(sl.CTX["data"], "sprites", ids[0], "sprite.json")))
        print("made %d sprites of %d files each in %.0f s (the first one's workspace: %s; a "
              "filesystem of its own: %s)" % (len(todo), FILES, time.time() - t0,
                                              " ".join(df.split()), own.get("own_fs")),
              flush=True)
    return ids


class Load:
    """The listers and pollers, one of each per user; lat[route] = [seconds], errors[route]."""

    def __init__(self, port, users, ids):
        self.port, self.stop_flag, self.counting = port, False, False
        self.lat, self.errors, self.lock = {}, {}, threading.Lock()
        self.threads = []
        for k, ((name, token), sid) in enumerate(zip(users, ids)):
            lists = [("GET /api/sprite", "/api/sprite"),
                     ("GET /api/sprite/{id}", "/api/sprite/%s" % sid),
                     ("files /workspace", "/api/sprite/%s/files?path=/workspace" % sid),
                     ("files /workspace/many", "/api/sprite/%s/files?path=/workspace/many" % sid),
                     ("files of 1,000", "/api/sprite/%s/files?path=/workspace/many/d%d"
                      % (sid, k % DIRS))]
            polls = [("GET .../browser/status", "/api/sprite/%s/browser/status" % sid)]
            self.threads += [threading.Thread(target=self.loop, args=(token, lists, 0.0)),
                             threading.Thread(target=self.loop, args=(token, polls, 0.1))]
        for t in self.threads:
            t.daemon = True
            t.start()

    def loop(self, token, routes, pause):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop_flag:
            for route, path in routes:
                status, secs = call(conn, "GET", path, token)
                if self.counting:
                    with self.lock:
                        self.lat.setdefault(route, []).append(secs)
                        if status != 200:
                            self.errors[route] = self.errors.get(route, 0) + 1
                if pause:
                    time.sleep(pause)
        conn.close()

    def stop(self):
        self.stop_flag = True
        for t in self.threads:
            t.join()


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * q))] * 1000 if v else float("nan")


def measure(binary, label, pool, users, ids, rnd):
    """One binary's window (pool: UV_THREADPOOL_SIZE for it, or None): /healthz and the routes'
    figures."""
    sl.CTX["rae"] = binary
    port = sl.free_port()
    env = dict(os.environ, UV_THREADPOOL_SIZE=str(pool)) if pool else None
    server = sl.Server(port, env=env)
    try:
        load = Load(port, users, ids)
        time.sleep(2)
        load.counting = True
        watch = sl.HealthWatch(port, every=0.02, pid=server.proc.pid)
        time.sleep(SECS)
        w = watch.stop()
        load.counting = False
        load.stop()
        server.stop()
    finally:
        server.kill()
    routes = {r: {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99),
                  "per_s": len(v) / SECS, "errors": load.errors.get(r, 0)}
              for r, v in sorted(load.lat.items())}
    row = {"round": rnd, "binary": label, "healthz": w, "routes": routes}
    print("round %d %-6s /healthz p50 %5.1f ms  p99 %6.1f ms  slowest %6.0f ms  (%d answers, %d "
          "failed; rss peak %.0f MB)" % (rnd, label, w["p50"], w["p99"], w["max"], w["n"],
                                         w["errors"], w["rss_peak_mb"]), flush=True)
    for r, f in routes.items():
        print("      %-24s %6.1f/s  p50 %7.1f ms  p99 %7.1f ms%s"
              % (r, f["per_s"], f["p50"], f["p99"],
                 "  %d not 200" % f["errors"] if f["errors"] else ""), flush=True)
    return row


def main():
    data_parent = os.environ.get("DATA")
    if data_parent:
        os.makedirs(data_parent, exist_ok=True)
    else:
        data_parent = tempfile.mkdtemp(prefix="rae-bigsprites-")
    os.chmod(data_parent, 0o755)  # the old binary's sprites needed the data dir's parents open
    sl.setup("bench/bigsprites", RAE, data_parent)
    # (label, binary, UV_THREADPOOL_SIZE or None: the binary's own, 16 now, libuv's 4 before)
    binaries = [("new", RAE, None)] + ([("old", os.path.abspath(OLD), None)] if OLD else [])
    binaries += [("new/%s" % n, RAE, int(n)) for n in os.environ.get("NEW_POOLS", "").split()]
    print("%d sprites x %d files; %d CPUs; new: %s%s" % (SPRITES, FILES, os.cpu_count(), RAE,
                                                        "; old: %s" % OLD if OLD else ""))
    rows = []
    try:
        users = make_users(sl.CTX["data"])
        port = sl.free_port()
        if os.environ.get("NO_OWN_FS"):
            sl.CTX["rae"] = no_own_fs_wrapper(data_parent)
        # a data dir holds 16 sprites unless told otherwise (made with this binary only: the
        # old one serves the sprites that are there, whatever their number)
        server = sl.Server(port, extra=["--max-sprites", str(max(SPRITES, 16))])
        sl.CTX["rae"] = RAE
        try:
            ids = make_sprites(port, users)
            server.stop()
        finally:
            server.kill()
        for rnd in range(1, RUNS + 1):
            order = binaries if rnd % 2 == 0 else binaries[::-1]
            for label, binary, pool in order:
                rows.append(measure(binary, label, pool, users, ids, rnd))
    finally:
        sl.CTX["rae"] = RAE
        if not os.environ.get("KEEP"):
            sl.remove_sprites()
            shutil.rmtree(data_parent, ignore_errors=True)
    if not rows:  # RUNS=0: the sprites made (with KEEP=1 DATA=dir), nothing measured
        return 0
    summary = {}
    for label, _, _ in binaries:
        mine = [r for r in rows if r["binary"] == label]
        summary[label] = {"healthz_p50": statistics.median(r["healthz"]["p50"] for r in mine),
                          "healthz_p99": statistics.median(r["healthz"]["p99"] for r in mine),
                          "healthz_max": statistics.median(r["healthz"]["max"] for r in mine),
                          "routes": {route: {k: statistics.median(r["routes"][route][k]
                                                                  for r in mine
                                                                  if route in r["routes"])
                                             for k in ("p50", "p99", "per_s")}
                                     for route in mine[0]["routes"]}}
    print("\nmedians of %d rounds of %.0f s:" % (RUNS, SECS))
    for label, s in summary.items():
        print("  %-6s /healthz p50 %.1f ms, p99 %.1f ms (target %d ms: %s), slowest %.0f ms"
              % (label, s["healthz_p50"], s["healthz_p99"], HEALTHZ_P99_MS,
                 "met" if s["healthz_p99"] <= HEALTHZ_P99_MS else "NOT met", s["healthz_max"]))
        for route, f in s["routes"].items():
            print("      %-24s %6.1f/s  p50 %7.1f ms  p99 %7.1f ms" % (route, f["per_s"], f["p50"],
                                                                      f["p99"]))
    if OLD:  # each ratio taken within a round (the machine's load changes between rounds)
        summary["ratio_old_new"] = {}
        for label, _, _ in binaries:
            if label == "old":
                continue
            ratios = {}
            for rnd in range(1, RUNS + 1):
                old = next(r for r in rows if r["round"] == rnd and r["binary"] == "old")
                new = next(r for r in rows if r["round"] == rnd and r["binary"] == label)
                for key in ("p50", "p99"):
                    ratios.setdefault(key, []).append(
                        old["healthz"][key] / max(new["healthz"][key], 0.001))
            summary["ratio_old_new"][label] = {k: statistics.median(v) for k, v in ratios.items()}
            print("  old/%s /healthz p50 %.2fx, p99 %.2fx (median of the rounds' ratios)"
                  % (label, summary["ratio_old_new"][label]["p50"],
                     summary["ratio_old_new"][label]["p99"]))
    out = os.path.join(ROOT, "build", "bench", "serve")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "bigsprites.json"), "w") as f:
        json.dump({"new": RAE, "old": OLD, "rows": rows, "summary": summary}, f, indent=1)
    return 0 if summary["new"]["healthz_p99"] <= HEALTHZ_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The store keeps its WAL while rae serve runs and the CLI works on the same data dir.

A first-run setup, then sign-ins run on worker threads of the server; while several of them run
at once, `rae user add`, `rae user list`, `rae token create` and `rae token revoke` run in a loop
on the same data dir. Throughout, every sign-in answers 200 (429 would be the throttle; never 500),
its session works at once, a new token works at once and a revoked one (made before the server
started, or just now) is refused at once. Then the server is killed
(SIGKILL): the database passes PRAGMA integrity_check and holds every row that was committed
(users, tokens, revocations, sessions), and a restarted server accepts the sessions.

A process that closes any descriptor of a file loses every POSIX lock it holds on it; a server
that opened rae.db outside SQLite lost the locks of its connections, and the next connection to
close (a CLI's) took itself for the last one and deleted the WAL and -shm under the server.

    store_wal.py RAE OUTDIR
"""
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time

RAE, OUT = sys.argv[1], sys.argv[2]
DATA = os.path.join(OUT, "data")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import Client, fail, free_port, rae  # noqa: E402

sl.setup("store_wal", RAE, OUT)

SIGNERS = 4       # threads signing in at once (one user each: the throttle never applies)
ROUNDS = 6        # rounds of CLI commands while they do
PASSWORD = "signer-password"
problems = []     # what went wrong, in order (threads add to it too)
lock = threading.Lock()


def problem(msg):
    with lock:
        problems.append(msg)
        print("problem: " + msg, flush=True)


def status_of(port, path, cookie=None, bearer=None):
    c = Client(port)
    c.cookie, c.bearer = cookie, bearer
    return c.call("GET", path)[0]


def signer(port, name, stop, sessions):
    """Signs in as name until stop is set; each session is checked at once and kept."""
    while not stop.is_set():
        try:
            sign_in_once(port, name, sessions)
        except Exception as e:  # the server gone, a connection reset: a problem, not a crash
            problem("sign-in of %s: %r" % (name, e))
        stop.wait(0.1)  # leaves the CLI some of the 2 cores that argon2id would take


def sign_in_once(port, name, sessions):
    c = Client(port)
    status, doc, _ = c.call("POST", "/api/auth/login", {"username": name, "password": PASSWORD})
    if status == 429:  # the throttle (one thread per user: it should not apply)
        return
    if status != 200:
        problem("sign-in of %s: %d %s" % (name, status, doc))
        return
    with lock:
        sessions.append((name, c.cookie))
    status = c.call("GET", "/api/me")[0]
    if status != 200:
        problem("a session of %s just made: GET /api/me answered %d" % (name, status))


def cli(*args):
    rc, out, err = rae(*args)
    if rc != 0:
        problem("rae %s: exit %d: %s" % (" ".join(args), rc, err.strip()))
    return rc, out


def revoke(port, tid, tokens):
    """rae token revoke tid, and the token is refused at once."""
    rc, _ = cli("token", "revoke", str(tid))
    if rc == 0:
        tokens[tid][1] = True
        status = status_of(port, "/api/me", bearer=tokens[tid][0])
        if status != 401:
            problem("token %d, just revoked: GET /api/me answered %d" % (tid, status))


def make_token(label, tokens):
    """rae token create signer0: its id, or None."""
    rc, out = cli("token", "create", "signer0", "--label", label, "--json")
    if rc != 0:
        return None
    made = json.loads(out)
    tokens[made["id"]] = [made["token"], False]
    return made["id"]


def cli_round(port, i, tokens, early):
    """One round of CLI commands on the server's data dir; tokens: id -> [token, revoked]; early:
    one token made before the server started, which works until this round revokes it."""
    if i % 2 == 0:
        sl.add_user("extra%d" % i, PASSWORD)
    rc, out = cli("user", "list", "--json")
    if rc == 0 and "extra%d" % (i - i % 2) not in out:
        problem("rae user list does not show extra%d, just added" % (i - i % 2))
    status = status_of(port, "/api/me", bearer=tokens[early][0])
    if status != 200:
        problem("token %d, not revoked yet: GET /api/me answered %d" % (early, status))
    revoke(port, early, tokens)
    tid = make_token("round %d" % i, tokens)
    if tid is None:
        return
    status = status_of(port, "/api/me", bearer=tokens[tid][0])
    if status != 200:
        problem("token %d, just made: GET /api/me answered %d" % (tid, status))
    if i % 2:  # every other one is revoked at once
        revoke(port, tid, tokens)
    cli("token", "list", "--json")


def check_rows(users, tokens, sessions):
    """The database after the kill: whole, and every committed row in it."""
    db = sqlite3.connect(os.path.join(DATA, "rae.db"))
    try:
        ok = db.execute("PRAGMA integrity_check").fetchall()
        if ok != [("ok",)]:
            problem("integrity_check after the kill: %s" % ok[:5])
        have = {r[0] for r in db.execute("SELECT name FROM users")}
        for name in sorted(set(users) - have):
            problem("user %s lost after the kill" % name)
        ids = {r[0] for r in db.execute("SELECT id FROM api_tokens")}
        for tid, (_, revoked) in sorted(tokens.items()):
            if revoked and tid in ids:
                problem("token %d was revoked, and is back after the kill" % tid)
            if not revoked and tid not in ids:
                problem("token %d lost after the kill" % tid)
        hashes = {bytes(r[0]) for r in db.execute("SELECT token_hash FROM sessions")}
        lost = [c for _, c in sessions
                if hashlib.blake2b(c.split("=", 1)[1].encode(), digest_size=32).digest()
                not in hashes]
        if lost:
            problem("%d of %d sessions lost after the kill" % (len(lost), len(sessions)))
        if db.execute("SELECT count(*) FROM setup_tokens").fetchone()[0] != 0:
            problem("the used setup token is back after the kill")
    finally:
        db.close()


def after_restart(port, tokens, sessions):
    """A restarted server accepts every session and live token, refuses every revoked one."""
    bad = [c for _, c in sessions if status_of(port, "/api/me", cookie=c) != 200]
    if bad:
        problem("%d of %d sessions refused after the restart" % (len(bad), len(sessions)))
    for tid, (token, revoked) in sorted(tokens.items()):
        status = status_of(port, "/api/me", bearer=token)
        if status != (401 if revoked else 200):
            problem("token %d (%s) after the restart: %d" %
                    (tid, "revoked" if revoked else "live", status))


def main():
    sl.fresh_out()
    port = free_port()
    server = sl.Server(port)
    try:
        sl.first_admin(server, port)  # a first-run setup: a worker thread's store work
        server.stop()
        names = ["signer%d" % k for k in range(SIGNERS)]
        for name in names:
            sl.add_user(name, PASSWORD)
        stop, sessions, tokens = threading.Event(), [], {}
        early = [make_token("early %d" % i, tokens) for i in range(ROUNDS)]
        server = sl.Server(port)
        threads = [threading.Thread(target=signer, args=(port, n, stop, sessions)) for n in names]
        started = time.time()
        for t in threads:
            t.start()
        try:
            for i in range(ROUNDS):
                cli_round(port, i, tokens, early[i])
        finally:
            stop.set()
            for t in threads:
                t.join()
        print("%d sign-ins and %d rounds of CLI commands in %.1f s" %
              (len(sessions), ROUNDS, time.time() - started))
        if len(sessions) < SIGNERS:
            problem("only %d sign-ins succeeded" % len(sessions))
        server.kill()  # SIGKILL: what is committed must be on disk
        users = ["root1"] + names + ["extra%d" % i for i in range(0, ROUNDS, 2)]
        check_rows(users, tokens, sessions)
        server = sl.Server(port)
        after_restart(port, tokens, sessions)
        server.stop()
        db = sqlite3.connect(os.path.join(DATA, "rae.db"))
        ok = db.execute("PRAGMA integrity_check").fetchall()
        db.close()
        if ok != [("ok",)]:
            problem("integrity_check after the restart: %s" % ok[:5])
    finally:
        server.kill()
    if problems:
        fail("%d problems, the first: %s" % (len(problems), problems[0]))
    print("PASS store_wal")


if __name__ == "__main__":
    main()

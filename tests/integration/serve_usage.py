#!/usr/bin/python3
"""GET /api/usage (issue 18): what the AI engineer's model answers cost, as rae gateway records
them (here written into the store as it does), for the caller, or every user for an admin:
the total, by day and by run (and by user for all=1); a bad time is a 400; all=1 from a user who is no admin a 403.

    serve_usage.py RAE OUTDIR
"""
import os
import sqlite3
import sys
import time

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402

sl.setup("serve_usage", RAE, OUT)


def record(db, user, run, at, tokens, cost):
    """One answer, as rae_store_usage_add records it."""
    db.execute("INSERT INTO llm_usage (user_id, run, model, at, input_tokens, output_tokens, "
               "cache_read_tokens, cache_write_tokens, cost_usd) VALUES ((SELECT id FROM users "
               "WHERE name = ?), ?, 'claude-sonnet-4-5', ?, ?, ?, ?, 0, ?)",
               (user, run, at, tokens[0], tokens[1], tokens[2], cost))


def main():
    sl.fresh_out()
    port = sl.free_port()
    server = sl.Server(port)
    try:
        admin, _ = sl.first_admin(server, port)
        sl.add_user("alice", "alice-password")
        alice = sl.Client(port)
        alice.login("alice", "alice-password")
        empty = alice.call("GET", "/api/usage", expect=200)[1]
        if empty["total"]["answers"] != 0 or empty["days"] or empty["runs"] or empty["all"]:
            sl.fail("a user without usage: %s" % empty)
        now = time.time()
        day = 86400
        with sqlite3.connect(os.path.join(sl.CTX["data"], "rae.db")) as db:
            record(db, "alice", "r_one", now - 2 * day, (1000, 100, 5000), 0.0123)
            record(db, "alice", "r_one", now - 2 * day + 1, (200, 50, 6000), 0.0040)
            record(db, "alice", "r_two", now - 60, (300, 30, 0), None)  # a model without a price
            record(db, "root1", "r_root", now - 60, (10, 10, 0), 0.5)
        span = "/api/usage?from=%d&to=%d" % (now - 10 * day, now + 10)
        got = alice.call("GET", span, expect=200)[1]
        t = got["total"]
        want = {"inputTokens": 1500, "outputTokens": 180, "cacheReadTokens": 11000,
                "answers": 3, "unpricedAnswers": 1}
        if any(t[k] != v for k, v in want.items()) or abs(t["costUsd"] - 0.0163) > 1e-9:
            sl.fail("alice's total %s, wanted %s and $0.0163" % (t, want))
        if [d["answers"] for d in got["days"]] != [2, 1] or \
                got["days"][0]["day"] >= got["days"][1]["day"]:
            sl.fail("by day, oldest first: %s" % got["days"])
        if [r["run"] for r in got["runs"]] != ["r_one", "r_two"]:
            sl.fail("by run, the costliest first: %s" % got["runs"])
        # a span before it all: nothing
        old = alice.call("GET", "/api/usage?from=0&to=%d" % (now - 5 * day), expect=200)[1]
        if old["total"]["answers"] != 0:
            sl.fail("a span before the usage: %s" % old["total"])
        alice.call("GET", "/api/usage?from=yesterday", expect=400)
        alice.call("GET", "/api/usage?all=1", expect=403)
        alice.call("GET", "/api/usage?all=yes", expect=400)
        every = admin.call("GET", span + "&all=1", expect=200)[1]
        if not every["all"] or every["total"]["answers"] != 4 or \
                abs(every["total"]["costUsd"] - 0.5163) > 1e-9:
            sl.fail("an admin's all=1: %s" % every["total"])
        if [(u["user"], u["answers"]) for u in every.get("users", [])] != [("root1", 1),
                                                                          ("alice", 3)]:
            sl.fail("an admin's all=1 by user, the costliest first: %s" % every.get("users"))
        if "users" in got:
            sl.fail("a user's own usage lists users: %s" % got["users"])
        mine = admin.call("GET", span, expect=200)[1]
        if mine["total"]["answers"] != 1:
            sl.fail("an admin's own: %s" % mine["total"])
    finally:
        server.stop()
    print("serve_usage: ok")


if __name__ == "__main__":
    main()

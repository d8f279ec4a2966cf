#!/usr/bin/python3
"""The AI engineer through rae serve's API (issue 18), against the fixture model server
(tests/fixtures/model_server, which checks the key and the shape of every request):

  1. a run with a prompt is an AI run: the person's message, streamed text, a file written, a
     command run and the finish come over the run's stream, with the run's usage;
  2. the key is nowhere a command in the sprite can look: every process' environment and command
     line, the workspace, /tmp and /run (the gateway's socket folder);
  3. a follow-up goes on in the same run (its files kept), and the stream says it all again;
  4. a run is cancelled while its command sleeps: it ends at once, as `cancelled`, its
     transcript kept;
  5. re-engineering (fromRun) starts from the earlier run's scripts;
  6. /api/usage adds up to the fixture's token counts exactly, and each run's usage too;
  7. a budget passed in the middle of a run ends it with an error that says so; a spent budget
     refuses the next run with a 402 before anything starts;
  8. a user's own key: kept sealed (not in rae.db in the clear), never shown, used for their
     runs (the fixture refuses it: the wrong key is the user's), deleted;
  9. bad bodies are 400s.

    serve_ai.py RAE OUTDIR
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

RAE, OUT = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import servelib as sl  # noqa: E402

sl.setup("serve_ai", RAE, OUT)
PY = "/usr/bin/python3"
HAR = os.path.join(ROOT, "tests/fixtures/notes_api/recorded.har")
KEY = "sk-ant-serve-fixture-4c1d9e7b"
OWN_KEY = "sk-ant-bobs-own-key-0a9f2e"


def usage(i, o, cached=0, written=0):
    return {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": cached,
            "cache_creation_input_tokens": written}


def leak_check():
    """A command that counts the places in the sprite holding the key (its halves are joined in
    the shell, so that no command line holds the whole key)."""
    h = len(KEY) // 2
    return ("k=%s; n=$( { grep -l \"${k}%s\" /proc/[0-9]*/environ /proc/[0-9]*/cmdline; "
            "grep -rl \"${k}%s\" /workspace /tmp /run; env | grep \"${k}%s\"; } 2>/dev/null "
            "| wc -l); echo \"leaks=$n\"; ls /run/rae" % (KEY[:h], KEY[h:], KEY[h:], KEY[h:]))


EXPORT = "import api_client\nprint('id,title')\n"
TURNS = [
    # 1: the first run
    {"expect": {"last_user_contains": ["export my notes as CSV"], "tools": ["write_file", "run"]},
     "reply": {"text": "I will write scripts/export.py.", "tool_calls": [
         {"id": "w1", "name": "write_file", "input": {"path": "scripts/export.py",
                                                      "content": EXPORT}},
         {"id": "r1", "name": "run", "input": {"command": "python3 scripts/export.py"}}],
         "usage": usage(3000, 120, 0, 2500)}},
    {"expect": {"tool_result_for": "r1"},
     "reply": {"tool_calls": [{"id": "k1", "name": "run", "input": {"command": leak_check()}}],
               "usage": usage(200, 40, 3000)}},
    {"expect": {"tool_result_for": "k1"},
     "reply": {"text": "Done.", "tool_calls": [
         {"id": "f1", "name": "finish", "input": {"summary": "scripts/export.py prints CSV"}}],
         "usage": usage(150, 30, 3100)}},
    # 3: the follow-up
    {"expect": {"last_user_contains": ["also count them"]},
     "reply": {"text": "Counting them too.", "tool_calls": [
         {"id": "f2", "name": "finish", "input": {"summary": "counted"}}],
         "usage": usage(400, 25, 3200)}},
    # 4: the run that is cancelled while its command sleeps
    {"expect": {"last_user_contains": ["take your time"]},
     "reply": {"tool_calls": [{"id": "s1", "name": "run", "input": {"command": "sleep 120"}}],
               "usage": usage(3000, 15)}},
    # 5: re-engineering from the first run
    {"expect": {"last_user_contains": ["add a header row", "scripts/export.py"]},
     "reply": {"tool_calls": [{"id": "f3", "name": "finish", "input": {"summary": "header"}}],
               "usage": usage(2900, 10, 0, 100)}},
    # 7: a run that passes its budget after the first answer
    {"expect": {"last_user_contains": ["spend a lot"]},
     "reply": {"tool_calls": [{"id": "e1", "name": "run", "input": {"command": "true"}}],
               "usage": usage(100000, 2000)}},
]
# claude-sonnet-4-5 (the default): $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok
PRICE = (3.0, 15.0, 0.30, 3.75)


def cost(u):
    return (u["input_tokens"] * PRICE[0] + u["output_tokens"] * PRICE[1] +
            u["cache_read_input_tokens"] * PRICE[2] +
            u["cache_creation_input_tokens"] * PRICE[3]) / 1e6


def sums(turns):
    keys = ("input_tokens", "output_tokens", "cache_read_input_tokens",
            "cache_creation_input_tokens")
    return [sum(t["reply"]["usage"][k] for t in turns) for k in keys] + [
        sum(cost(t["reply"]["usage"]) for t in turns)]


def report(url):
    with urllib.request.urlopen(url + "/_fixture/report", timeout=10) as r:
        return json.load(r)


def stream(port, client, url):
    """The run's events until the server closes the stream (its process has ended)."""
    ws = sl.WebSocket(port, url, client.cookie, None)
    ws.sock.settimeout(120)
    out = []
    try:
        while True:
            out.append(json.loads(ws.recv()))
    except EOFError:
        pass
    ws.sock.close()
    return out


def model_text(events):
    return "".join(e["text"] for e in events if e["type"] == "message" and "role" not in e)


def sprite_with_har(client):
    """The client's new sprite, with the fixture's HAR at /workspace/har/notes.har."""
    sid = client.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
    rc, _, err = sl.rae("sprite", "files", sid, "put", "har/notes.har", HAR)
    if rc != 0:
        sl.fail("putting the HAR: %s" % err)
    return sid


def start_model(script):
    path = os.path.join(OUT, "script.json")
    with open(path, "w") as f:
        json.dump(script, f)
    model = subprocess.Popen([PY, os.path.join(ROOT, "tests/fixtures/model_server/server.py"),
                              "--script", path, "--port", "0", "--log",
                              os.path.join(OUT, "model.ndjson")],
                             stdout=subprocess.PIPE,
                             stderr=open(os.path.join(OUT, "model.err"), "w"), text=True)
    return model, re.search(r"listening on (\S+)", model.stdout.readline()).group(1)


def first_conversation(port, alice, sid):
    print("== 1, 2: an AI run: the message, streamed text, a file, a command, the finish")
    run = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                     {"harPath": "har/notes.har", "prompt": "export my notes as CSV"},
                     expect=202)[1]
    if not run["ai"]:
        sl.fail("a run with a prompt and a model is no AI run: %s" % run)
    ev = stream(port, alice, run["streamUrl"])
    types = [e["type"] for e in ev]
    person = [e for e in ev if e["type"] == "message" and e.get("role") == "user"]
    if not person or person[0]["text"] != "export my notes as CSV" or ev[-1]["type"] != "complete":
        sl.fail("the run's events: %s" % json.dumps(ev)[-1500:])
    if ev[-1].get("message") != "scripts/export.py prints CSV" or \
            not ev[-1]["scripts_dir"].endswith("/scripts/" + run["runId"]):
        sl.fail("the complete event: %s" % ev[-1])
    if "I will write scripts/export.py." not in model_text(ev) or "Done." not in model_text(ev):
        sl.fail("the model's streamed text: %r" % model_text(ev))
    code = [e for e in ev if e["type"] == "code" and e["path"] == "scripts/export.py"]
    if not code or code[0]["content"] != EXPORT or "tool" not in types:
        sl.fail("no code event for scripts/export.py, or no tool events: %s" % types)
    results = [e["message"] for e in ev if e["type"] == "tool" and e["phase"] == "result"]
    if not any("id,title" in r for r in results):
        sl.fail("the command's output: %s" % results)
    leak = [r for r in results if "leaks=" in r]
    if not leak or "leaks=0" not in leak[0] or KEY in leak[0] or ".sock" not in leak[0]:
        sl.fail("the key is readable in the sprite, or the socket is not there: %s" % leak)
    last_usage = [e for e in ev if e["type"] == "usage"][-1]
    want = sums(TURNS[0:3])
    if (last_usage["input_tokens"], last_usage["output_tokens"]) != (want[0], want[1]):
        sl.fail("the run's usage event: %s, want %s" % (last_usage, want))
    rec = alice.call("GET", "/api/sprite/%s/engineer/run/%s" % (sid, run["runId"]),
                     expect=200)[1]["run"]
    if rec["status"] != "complete" or not rec["ai"] or rec["usage"]["inputTokens"] != want[0] or \
            abs(rec["usage"]["costUsd"] - want[4]) > 1e-9 or \
            "scripts/export.py" not in (rec.get("files") or []):
        sl.fail("the run's record: %s" % rec)
    return run


def follow_up(port, alice, sid, run):
    print("== 3: a follow-up in the same run")
    path = "/api/sprite/%s/engineer/run/%s/messages" % (sid, run["runId"])
    alice.call("POST", path, {"text": ""}, expect=400)
    more = alice.call("POST", path, {"text": "also count them"}, expect=202)[1]
    if more["runId"] != run["runId"]:
        sl.fail("a follow-up made another run: %s" % more)
    ev = stream(port, alice, more["streamUrl"])
    person = [e["text"] for e in ev if e["type"] == "message" and e.get("role") == "user"]
    if person != ["export my notes as CSV", "also count them"] or \
            "Counting them too." not in model_text(ev) or ev[-1]["type"] != "complete":
        sl.fail("the follow-up's stream: %s" % json.dumps(ev)[-1500:])
    clients = [e for e in ev if e["type"] == "code" and e["path"] == "api_client.py"]
    if len(clients) != 1:
        sl.fail("a follow-up wrote the client again: %d code events of api_client.py" %
                len(clients))
    total = [e for e in ev if e["type"] == "usage"][-1]
    want = sums(TURNS[0:4])
    if total["input_tokens"] != want[0] or abs(total["cost_usd"] - want[4]) > 1e-9:
        sl.fail("usage events are not the run's totals: %s, want %s" % (total, want))
    rec = alice.call("GET", "/api/sprite/%s/engineer/run/%s" % (sid, run["runId"]),
                     expect=200)[1]["run"]
    if rec["status"] != "complete" or "scripts/export.py" not in rec["files"]:
        sl.fail("the run after its follow-up: %s" % rec)


def cancel(port, alice, sid):
    print("== 4: a run cancelled while its command sleeps")
    run = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                     {"harPath": "har/notes.har", "prompt": "take your time"}, expect=202)[1]
    ws = sl.WebSocket(port, run["streamUrl"], alice.cookie, None)
    ws.sock.settimeout(60)
    while True:
        e = json.loads(ws.recv())
        if e["type"] == "tool" and e["phase"] == "call" and "sleep" in e["message"]:
            break
    busy = alice.call("POST", "/api/sprite/%s/engineer/run/%s/messages" % (sid, run["runId"]),
                      {"text": "more"}, expect=409)[1]
    t0 = time.time()
    rec = alice.call("POST", "/api/sprite/%s/engineer/run/%s/cancel" % (sid, run["runId"]),
                     b"", expect=200)[1]["run"]
    took = time.time() - t0
    rest = []
    try:
        while True:
            rest.append(json.loads(ws.recv()))
    except EOFError:
        pass
    if rec["status"] != "cancelled" or took > 10 or not rest or rest[-1]["type"] != "error" or \
            rest[-1]["kind"] != "cancelled":
        sl.fail("cancel: %s after %.1f s, then %s (409 before: %s)" % (rec, took, rest, busy))
    alice.call("POST", "/api/sprite/%s/engineer/run/%s/cancel" % (sid, run["runId"]), b"",
               expect=409)
    rc, listing, err = sl.rae("sprite", "files", sid, "ls", "scripts/" + run["runId"])
    if rc != 0 or "transcript.ndjson" not in listing:
        sl.fail("what the cancelled run wrote is gone: %s %s" % (listing, err))
    print("   cancelled in %.2f s" % took)


def re_engineer(port, alice, sid, first):
    print("== 5: re-engineering from the first run's scripts")
    alice.call("POST", "/api/sprite/%s/engineer/run" % sid, {"fromRun": first["runId"]},
               expect=400)
    alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
               {"fromRun": "r_nothing0", "prompt": "x"}, expect=404)
    run = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                     {"fromRun": first["runId"], "prompt": "add a header row"}, expect=202)[1]
    ev = stream(port, alice, run["streamUrl"])
    code = [e for e in ev if e["type"] == "code" and e["path"] == "scripts/export.py"]
    rec = alice.call("GET", "/api/sprite/%s/engineer/run/%s" % (sid, run["runId"]),
                     expect=200)[1]["run"]
    if ev[-1]["type"] != "complete" or not code or code[0]["content"] != EXPORT or \
            rec.get("fromRun") != first["runId"] or rec["harPath"] != "/workspace/har/notes.har":
        sl.fail("re-engineering: %s / %s" % (json.dumps(ev)[-800:], rec))


def usage_adds_up(alice):
    print("== 6: /api/usage adds up to the fixture's token counts")
    u = alice.call("GET", "/api/usage", expect=200)[1]["total"]
    want = sums(TURNS[0:6])
    got = [u["inputTokens"], u["outputTokens"], u["cacheReadTokens"], u["cacheWriteTokens"]]
    if got != want[:4] or abs(u["costUsd"] - want[4]) > 1e-9 or u["answers"] != 6:
        sl.fail("usage %s, want %s" % (u, want))


def budget(port, alice, sid):
    print("== 7: a budget passed in the middle of a run; then spent")
    spent = alice.call("GET", "/api/llm", expect=200)[1]["budget"]["spentUsd"]
    rc, _, err = sl.rae("user", "budget", "alice", "%.6f" % (spent + 0.000001))
    if rc != 0:
        sl.fail("rae user budget: %s" % err)
    run = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                     {"harPath": "har/notes.har", "prompt": "spend a lot"}, expect=202)[1]
    ev = stream(port, alice, run["streamUrl"])
    if ev[-1]["type"] != "error" or ev[-1]["kind"] != "budget" or \
            "budget" not in ev[-1]["message"]:
        sl.fail("a run past its budget: %s" % json.dumps(ev[-3:]))
    no = alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                    {"harPath": "har/notes.har", "prompt": "again"}, expect=402)[1]
    info = alice.call("GET", "/api/llm", expect=200)[1]
    if "budget" not in no["error"]["message"] or info["budget"]["leftUsd"] != 0:
        sl.fail("a spent budget: %s / %s" % (no, info))
    sl.rae("user", "budget", "alice", "none")


def own_key(port, bob):
    print("== 8: a user's own key: sealed, never shown, used, deleted")
    info = bob.call("GET", "/api/llm", expect=200)[1]
    if not info["configured"] or info["source"] != "server" or info["ownKey"]["set"]:
        sl.fail("GET /api/llm before: %s" % info)
    bob.call("PUT", "/api/llm/key", {"provider": "mistral", "key": "x"}, expect=400)
    bob.call("PUT", "/api/llm/key", {"provider": "anthropic", "key": ""}, expect=400)
    info = bob.call("PUT", "/api/llm/key", {"provider": "anthropic", "key": OWN_KEY},
                    expect=200)[1]
    if info["source"] != "own" or not info["ownKey"]["set"] or OWN_KEY in json.dumps(info):
        sl.fail("PUT /api/llm/key: %s" % info)
    with open(os.path.join(OUT, "data", "rae.db"), "rb") as f:
        db = f.read()
    for name in os.listdir(os.path.join(OUT, "data")):
        if name.startswith("rae.db-"):
            with open(os.path.join(OUT, "data", name), "rb") as f:
                db += f.read()
    if OWN_KEY.encode() in db:
        sl.fail("the user's key is in the store in the clear")
    sid = sprite_with_har(bob)
    run = bob.call("POST", "/api/sprite/%s/engineer/run" % sid,
                   {"harPath": "har/notes.har", "prompt": "with my key"}, expect=202)[1]
    ev = stream(port, bob, run["streamUrl"])
    if ev[-1]["type"] != "error" or ev[-1]["kind"] != "auth" or \
            "rae's gateway" not in ev[-1]["message"]:
        sl.fail("a run with the user's (wrong) key: %s" % json.dumps(ev[-3:]))
    info = bob.call("DELETE", "/api/llm/key", expect=200)[1]
    if info["source"] != "server" or info["ownKey"]["set"]:
        sl.fail("DELETE /api/llm/key: %s" % info)


def main():
    sl.fresh_out()
    model, url = start_model({"provider": "anthropic", "api_key": KEY, "turns": TURNS})
    port = sl.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY",
                                                             "OPENAI_API_KEY")}
    env.update(ANTHROPIC_API_KEY=KEY, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    server = sl.Server(port, extra=["--llm-provider", "anthropic", "--llm-base-url", url],
                       env=env)
    try:
        sl.add_user("alice", "alice-password")
        sl.add_user("bob", "bob-password")
        alice, bob = sl.Client(port), sl.Client(port)
        alice.login("alice", "alice-password")
        bob.login("bob", "bob-password")
        sid = sprite_with_har(alice)
        alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                   {"harPath": "har/notes.har", "prompt": 5}, expect=400)
        alice.call("POST", "/api/sprite/%s/engineer/run" % sid,
                   {"harPath": "har/notes.har", "prompt": "x", "model": "a b"}, expect=400)
        first = first_conversation(port, alice, sid)
        follow_up(port, alice, sid, first)
        cancel(port, alice, sid)
        re_engineer(port, alice, sid, first)
        usage_adds_up(alice)
        budget(port, alice, sid)
        own_key(port, bob)
        rep = report(url)
        wrong = [d for d in rep["deviations"] if "key" in json.dumps(d).lower()]
        if rep["turns_left"] != 0 or len(wrong) != len(rep["deviations"]) or len(wrong) != 1:
            sl.fail("the model server's report: %s" % json.dumps(rep)[:1500])
        server.stop()
    finally:
        server.kill()
        model.terminate()
        model.wait(10)
        sl.remove_sprites()
    print("PASS serve_ai")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""rae engineer --prompt (issue 17) against the fixture model server (tests/fixtures/model_server),
which speaks the Anthropic Messages API and an OpenAI-compatible Chat Completions API as their
references describe them, checks every request, and plays the model's turns from a script. No
real provider is called. The capture is the notes_api fixture's recorded.har (a sign-in, a CSRF
cookie, tokens); its tasks run against a fresh notes_api instance.

  1. export: two endpoints and a pagination loop; the script fails on its first run and is fixed
     from the error; the CSV holds the 7 seeded notes; then --continue asks for the tags too;
  2. the same with the OpenAI protocol;
  3. faults: 429 with retry-after, 529, 500 and a stream cut short (each retried, each an event),
     a tool call's input cut off by max_tokens (told to the model), a wrong key (one error naming
     ANTHROPIC_API_KEY), an unreachable provider, the budget, Ctrl-C (the transcript kept,
     --continue resumes);
  4. secrets: not one secret of the capture or of .env reaches the provider, whatever the model
     reads (the HAR's sign-in, its cookies, api_client.py, .env);
  5. files: nothing is written outside the output directory (.., an absolute path, a link out).

usage: engineer_ai.py RAE OUTDIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
HAR = os.path.join(ROOT, "tests/fixtures/notes_api/recorded.har")
KEY = "sk-test-fixture-key"
SEED_TITLES = {"Quarterly planning", "Grocery list", "Reading list", "Standup notes",
               "Garden ideas", "Tea party menu", "Croquet rules"}
FAILED = []


def check(name, cond, why=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + why), flush=True)
    if not cond:
        FAILED.append(name)


def start(cmd, log):
    """Starts a fixture that prints `listening on URL`; (process, url)."""
    out = open(log, "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=out, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on (http://\S+)", line)
    if not m:
        proc.kill()
        raise SystemExit("engineer_ai: %s did not start: %r" % (cmd[1], line))
    return proc, m.group(1)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


class Model:
    """The fixture model server playing one script."""

    def __init__(self, out, name, provider, turns, forbid=None, seed=1):
        self.dir = os.path.join(out, name)
        os.makedirs(self.dir, exist_ok=True)
        script = os.path.join(self.dir, "script.json")
        with open(script, "w") as f:
            json.dump({"provider": provider, "api_key": KEY, "turns": turns}, f)
        cmd = [PY, os.path.join(ROOT, "tests/fixtures/model_server/server.py"), "--script",
               script, "--port", "0", "--seed", str(seed), "--log",
               os.path.join(self.dir, "requests.ndjson")]
        if forbid is not None:
            path = os.path.join(self.dir, "forbid.txt")
            with open(path, "w") as f:
                f.write("\n".join(forbid) + "\n")
            cmd += ["--forbid", path]
        self.proc, self.url = start(cmd, os.path.join(self.dir, "server.err"))
        self.base = self.url + ("/v1" if provider == "openai" else "")

    def report(self):
        with urllib.request.urlopen(self.url + "/_fixture/report", timeout=10) as r:
            return json.load(r)

    def close(self):
        stop(self.proc)

    def clean(self, name):
        rep = self.report()
        check(name + ": every request as the provider's reference says",
              not rep["deviations"], json.dumps(rep["deviations"])[:600])
        check(name + ": every scripted turn played", rep["turns_left"] == 0,
              "%d turns left" % rep["turns_left"])


def engineer(out, model, prompt, provider="anthropic", extra=(), env=None, timeout=120):
    """rae engineer --prompt ... --json-stream; (exit status, events, stderr)."""
    e = dict(os.environ)
    e.pop("ANTHROPIC_API_KEY", None)
    e.pop("OPENAI_API_KEY", None)
    e["ANTHROPIC_API_KEY" if provider == "anthropic" else "OPENAI_API_KEY"] = KEY
    e["NO_PROXY"] = e["no_proxy"] = "127.0.0.1"  # libcurl honours a proxy of the environment
    e.update(env or {})
    cmd = [RAE, "engineer", HAR, "-o", out, "--prompt", prompt, "--provider", provider,
           "--base-url", model.base if model else "http://127.0.0.1:9", "--json-stream"] + \
        list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, events, p.stderr


def of(events, kind, **match):
    return [e for e in events if e["type"] == kind and all(e.get(k) == v for k, v in
                                                            match.items())]


def reply(text=None, calls=(), stop_reason=None, usage=None):
    r = {"usage": usage or {"input_tokens": 1200, "output_tokens": 60,
                            "cache_read_input_tokens": 3000, "cache_creation_input_tokens": 0}}
    if text:
        r["text"] = text
    if calls:
        r["tool_calls"] = [{"id": i, "name": n, "input": inp} for i, n, inp in calls]
    if stop_reason:
        r["stop_reason"] = stop_reason
    return r


EXPORT_BROKEN = '''import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_client import ApiClient  # noqa: E402

with ApiClient() as api, open("out/notes.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "title", "tags"])
    for note in api.iter_list_notes(limit=2):
        w.writerow([note["id"], note["name"], " ".join(note["tags"])])
'''
EXPORT_FIXED = '''import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_client import ApiClient  # noqa: E402

os.makedirs("out", exist_ok=True)
n = 0
with ApiClient() as api, open("out/notes.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "title", "tags"])
    for note in api.iter_list_notes(limit=2):
        w.writerow([note["id"], note["title"], " ".join(note["tags"])])
        n += 1
print("exported %d notes" % n)
'''
TAGS = '''import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_client import ApiClient  # noqa: E402

with ApiClient() as api, open("out/tags.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["tag", "notes"])
    tags = api.list_tags()
    for t in tags.get("items", tags) if isinstance(tags, dict) else tags:
        name = t["name"] if isinstance(t, dict) else t
        w.writerow([name, len(api.list_tag_notes(tag_name=name).get("items", []))])
print("exported the tags")
'''


def export_turns(first_expect):
    """The export task: write a broken script, run it, read the KeyError, fix it, run, finish."""
    return [
        {"expect": first_expect,
         "reply": reply("I will page through the notes.",
                        [("t1", "write_file", {"path": "scripts/export_notes.py",
                                               "content": EXPORT_BROKEN})])},
        {"expect": {"tool_result_for": "t1", "last_user_contains": ["wrote scripts/export"]},
         "reply": reply(calls=[("t2", "run", {"command": PY + " scripts/export_notes.py"})])},
        {"expect": {"tool_result_for": "t2", "last_user_contains": ["exit status 1"]},
         "reply": reply("The output folder is missing; fixing.",
                        [("t3", "write_file", {"path": "scripts/export_notes.py",
                                               "content": EXPORT_FIXED})])},
        {"expect": {"tool_result_for": "t3"},
         "reply": reply(calls=[("t4", "run", {"command": PY + " scripts/export_notes.py"})])},
        {"expect": {"tool_result_for": "t4", "last_user_contains": ["exported 7 notes",
                                                                    "exit status 0"]},
         "reply": reply(calls=[("t5", "finish", {"summary": "scripts/export_notes.py writes "
                                                            "out/notes.csv."})])},
    ]


def notes_csv(out):
    path = os.path.join(out, "out/notes.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [line.rstrip("\n").split(",", 2) for line in f][1:]


def scenario_export(out, notes_url, provider):
    name = "export (%s)" % provider
    first = {"tools": ["search_har", "get_entry", "read_file", "write_file", "run", "finish"],
             "last_user_contains": ["export my notes as CSV", "iter_list_notes",
                                    "\"operations\""],
             "system_contains": ["rae's engineer", "RAE_SECRET_n"]}
    model = Model(out, name.replace(" ", "_"), provider, export_turns(first))
    d = os.path.join(out, "client-" + provider)
    shutil.rmtree(d, ignore_errors=True)
    try:
        rc, events, err = engineer(d, model, "export my notes as CSV", provider, ["--allow-run"],
                                   {"RAE_BASE_URL": notes_url})
        check(name + ": exit 0", rc == 0, "exit %d: %s" % (rc, err[-400:]))
        rows = notes_csv(d) or []
        check(name + ": out/notes.csv holds the 7 seeded notes, over the pages",
              {r[1] for r in rows if len(r) > 1} == SEED_TITLES, repr(rows)[:300])
        check(name + ": the model's words streamed as message events",
              "page through" in "".join(e.get("text", "") for e in of(events, "message")))
        check(name + ": each tool call and result an event",
              len(of(events, "tool", phase="call")) == 5 and
              len(of(events, "tool", phase="result")) == 5, repr(of(events, "tool"))[:300])
        code = of(events, "code", path="scripts/export_notes.py")
        check(name + ": the script written, as code events", len(code) == 2)
        usage = of(events, "usage")
        # src/ai/prices.json's prices of the default models: claude-sonnet-4-5, gpt-4.1
        price = (3, 15, 0.3) if provider == "anthropic" else (2, 8, 0.5)
        cost = (6000 * price[0] + 300 * price[1] + 15000 * price[2]) / 1e6
        check(name + ": usage with the cost so far", len(usage) == 5 and
              usage[-1]["input_tokens"] == 6000 and usage[-1]["cache_read_tokens"] == 15000 and
              abs(usage[-1]["cost_usd"] - cost) < 1e-9, repr(usage[-1:]))
        check(name + ": complete, with the files",
              events and events[-1]["type"] == "complete" and
              "scripts/export_notes.py" in events[-1]["files"], repr(events[-1:]))
        readme = open(os.path.join(d, "README.md")).read()
        check(name + ": README.md says what was asked and made",
              "## Task: export my notes as CSV" in readme and "scripts/export_notes.py" in readme)
        model.clean(name)
    finally:
        model.close()
    return d


def scenario_continue(out, d, notes_url):
    name = "--continue"
    turns = [
        {"expect": {"last_user_contains": ["now also export the tags"]},
         "reply": reply(calls=[("c1", "write_file", {"path": "scripts/export_tags.py",
                                                     "content": TAGS})])},
        {"expect": {"tool_result_for": "c1"},
         "reply": reply(calls=[("c2", "run", {"command": PY + " scripts/export_tags.py"})])},
        {"expect": {"tool_result_for": "c2", "last_user_contains": ["exported the tags"]},
         "reply": reply(calls=[("c3", "finish", {"summary": "and out/tags.csv"})])},
    ]
    model = Model(out, "continue", "anthropic", turns)
    try:
        rc, events, err = engineer(d, model, "now also export the tags", "anthropic",
                                   ["--allow-run", "--continue"], {"RAE_BASE_URL": notes_url})
        check(name + ": exit 0", rc == 0, "exit %d: %s" % (rc, err[-400:]))
        check(name + ": out/tags.csv written", os.path.exists(os.path.join(d, "out/tags.csv")))
        log = [json.loads(l) for l in open(os.path.join(model.dir, "requests.ndjson"))]
        first = log[0]["body"]["messages"] if log else []
        check(name + ": the earlier conversation went with it",
              len(first) >= 11 and "export my notes" in json.dumps(first[0]),
              "%d messages" % len(first))
        model.clean(name)
    finally:
        model.close()


def scenario_faults(out):
    ok_turn = {"reply": reply(calls=[("f9", "finish", {"summary": "done"})])}
    # retried faults: each one, then the answer
    turns = [{"fault": {"status": 429, "retry_after": 1}},
             {"fault": {"status": 529}},
             {"fault": {"status": 500}},
             {"fault": {"cut_after_events": 3}},
             ok_turn]
    model = Model(out, "faults", "anthropic", turns)
    d = os.path.join(out, "client-faults")
    try:
        t0 = time.time()
        rc, events, err = engineer(d, model, "anything", extra=["--no-run"])
        took = time.time() - t0
        retries = of(events, "progress", stage="retry")
        check("faults: 429, 529, 500 and a cut stream each retried, each an event",
              rc == 0 and len(retries) == 4, "exit %d, retries %r: %s" % (
                  rc, [r["message"] for r in retries], err[-300:]))
        check("faults: retry-after honoured", took >= 1.0, "%.2f s" % took)
        model.clean("faults")
    finally:
        model.close()
    # max_tokens inside a tool call's JSON: the model is told
    turns = [{"reply": {"tool_calls": [{"id": "m1", "name": "write_file",
                                        "input": {"path": "scripts/a.py", "content": "x" * 400}}],
                        "stop_reason": "max_tokens"}},
             {"expect": {"tool_result_for": "m1", "last_user_contains": ["cut off at max_tokens"]},
              "reply": reply(calls=[("m2", "finish", {"summary": "done"})])}]
    model = Model(out, "max_tokens", "anthropic", turns)
    try:
        rc, events, err = engineer(os.path.join(out, "client-max"), model, "anything",
                                   extra=["--no-run"])
        check("max_tokens in a tool call: told to the model, no crash", rc == 0,
              "exit %d: %s" % (rc, err[-300:]))
        check("max_tokens: the cut call was not run",
              not os.path.exists(os.path.join(out, "client-max/scripts/a.py")))
        model.clean("max_tokens")
    finally:
        model.close()
    # a wrong key: one clear error naming the variable
    model = Model(out, "badkey", "anthropic", [{"fault": {"status": 401}}])
    try:
        rc, events, err = engineer(os.path.join(out, "client-badkey"), model, "anything")
        errors = of(events, "error")
        check("401: one error that names ANTHROPIC_API_KEY",
              rc == 1 and len(errors) == 1 and "ANTHROPIC_API_KEY" in errors[0]["message"] and
              errors[0]["kind"] == "auth", "exit %d %r" % (rc, errors))
        check("401: not retried", model.report()["requests"] == 1)
    finally:
        model.close()
    # an unreachable provider
    rc, events, err = engineer(os.path.join(out, "client-down"), None, "anything")
    errors = of(events, "error")
    check("unreachable provider: a clear error", rc == 1 and errors and
          "could not reach" in errors[-1]["message"], "exit %d %r" % (rc, errors))
    # the budget: the first turn costs $0.30, a second would pass --max-cost 0.50
    pricey = {"input_tokens": 100000, "output_tokens": 0, "cache_read_input_tokens": 0,
              "cache_creation_input_tokens": 0}
    turns = [{"reply": reply("Reading.", [("b1", "read_file", {"path": "README.md"})],
                             usage=pricey)}]
    model = Model(out, "budget", "anthropic", turns)
    try:
        rc, events, err = engineer(os.path.join(out, "client-budget"), model, "anything")
        errors = of(events, "error")
        check("--max-cost: no turn that would pass it",
              rc == 1 and errors and "--max-cost" in errors[-1]["message"] and
              model.report()["requests"] == 1, "exit %d %r" % (rc, errors))
    finally:
        model.close()


def scenario_interrupt(out):
    """Ctrl-C during a slow answer: the transcript kept; --continue goes on from it."""
    turns = [{"reply": reply("Reading.", [("i1", "read_file", {"path": "README.md"})])},
             {"reply": reply("Still working on it, slowly."), "wire": {"pause_ms": 400}}]
    model = Model(out, "interrupt", "anthropic", turns)
    d = os.path.join(out, "client-interrupt")
    e = dict(os.environ, ANTHROPIC_API_KEY=KEY, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    try:
        p = subprocess.Popen([RAE, "engineer", HAR, "-o", d, "--prompt", "anything",
                              "--provider", "anthropic", "--base-url", model.base,
                              "--json-stream"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=e)
        seen, said = [], ""
        for line in p.stdout:
            seen.append(json.loads(line))
            said += seen[-1].get("text", "") if seen[-1]["type"] == "message" else ""
            if "Still" in said:  # in the middle of the slow answer
                p.send_signal(signal.SIGINT)
                break
        rest, err = p.communicate(timeout=30)
        events = seen + [json.loads(l) for l in rest.splitlines() if l.startswith("{")]
        errors = of(events, "error")
        check("Ctrl-C: stops with an error that says --continue", p.returncode == 1 and errors and
              "--continue" in errors[-1]["message"], "exit %s %r" % (p.returncode, errors))
        lines = [json.loads(l) for l in open(os.path.join(d, "transcript.ndjson"))]
        check("Ctrl-C: the transcript so far is kept",
              sum(1 for l in lines if l["type"] == "message") == 3, repr(lines)[:300])
    finally:
        model.close()
    turns = [{"expect": {"last_user_contains": ["go on"]},
              "reply": reply(calls=[("i2", "finish", {"summary": "done"})])}]
    model = Model(out, "interrupt2", "anthropic", turns)
    try:
        rc, events, err = engineer(d, model, "go on", extra=["--continue"])
        check("Ctrl-C: --continue resumes", rc == 0, "exit %d: %s" % (rc, err[-300:]))
        model.clean("--continue after Ctrl-C")
    finally:
        model.close()


def secrets_of(d):
    """Every secret the test can name: .env's values (but the URL), the capture's Authorization,
    Cookie and Set-Cookie values and its token fields."""
    found = set()
    for line in open(os.path.join(d, ".env")):
        if "=" in line and not line.startswith("#") and "_URL=" not in line:
            found.add(line.split("=", 1)[1].strip().strip('"'))
    env_values = set(found)  # credentials: secrets from 3 bytes (the user name "alice")
    har = json.load(open(HAR))
    for e in har["log"]["entries"]:
        for h in e["request"]["headers"]:
            n = h["name"].lower()
            if n == "authorization":
                found.add(h["value"].split(" ", 1)[-1])
            elif n == "cookie":
                found.update(c.split("=", 1)[1] for c in h["value"].split("; ") if "=" in c)
            elif "csrf" in n or "token" in n:
                found.add(h["value"])
        for h in e["response"]["headers"]:
            if h["name"].lower() == "set-cookie":
                found.add(h["value"].split(";")[0].split("=", 1)[-1])
        text = e["response"].get("content", {}).get("text", "")
        for m in re.finditer(r'"(?:access_token|refresh_token|csrf_token|token)"\s*:\s*"([^"]+)"',
                             text):
            found.add(m.group(1))
    return sorted(s for s in found if len(s) >= 6 or s in env_values)


def scenario_secrets(out):
    d = os.path.join(out, "client-secrets")
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run([RAE, "engineer", HAR, "-o", d, "-q"], check=True)
    forbid = secrets_of(d)
    check("secrets: the capture has secrets to keep", len(forbid) >= 3, repr(forbid))
    turns = [
        {"reply": reply(calls=[("s1", "search_har", {"pattern": "login"}),
                               ("s2", "search_har", {"pattern": "token"})])},
        {"reply": reply(calls=[("s3", "get_entry", {"index": i}) for i in range(1)] +
                        [("s4", "get_entry", {"index": 3}), ("s5", "get_entry", {"index": 4}),
                         ("s6", "get_entry", {"index": 5})])},
        {"reply": reply(calls=[("s7", "read_file", {"path": "api_client.py"}),
                               ("s8", "read_file", {"path": ".env"}),
                               ("s9", "read_file", {"path": "model.json"}),
                               ("s10", "read_file", {"path": "README.md"})])},
        {"expect": {"last_user_contains": ["RAE_SECRET_"]},
         "reply": reply(calls=[("s11", "run", {"command": "env | grep RAE_SECRET_ | sort; "
                                                          "cat .env; grep SigBlk /proc/self/status"}
                                )])},
        {"reply": reply(calls=[("s12", "finish", {"summary": "done"})])},
    ]
    model = Model(out, "secrets", "anthropic", turns, forbid=forbid)
    try:
        rc, events, err = engineer(d, model, "show me everything", extra=["--allow-run"])
        check("secrets: the run ends well", rc == 0, "exit %d: %s" % (rc, err[-300:]))
        rep = model.report()
        leaks = [x for x in rep["deviations"] if "forbid" in json.dumps(x).lower()]
        check("secrets: not one reached the provider", not leaks and not rep["deviations"],
              json.dumps(rep["deviations"])[:600])
        check("secrets: every turn played", rep["turns_left"] == 0)
        results = " ".join(e.get("message", "") for e in of(events, "tool", phase="result"))
        check("run: the command's signals are not blocked as rae's are (Ctrl-C reaches it)",
              "SigBlk:\t0000000000000000" in results, results[-200:])
        check("secrets: the tools' results stand in placeholders",
              "{{RAE_SECRET_" in results and not any(s in results for s in forbid))
    finally:
        model.close()


def scenario_files(out):
    d = os.path.join(out, "client-files")
    shutil.rmtree(d, ignore_errors=True)
    subprocess.run([RAE, "engineer", HAR, "-o", d, "-q"], check=True)
    outside = os.path.join(out, "outside")
    os.makedirs(outside, exist_ok=True)
    os.symlink(outside, os.path.join(d, "link"))
    turns = [{"reply": reply(calls=[
        ("w1", "write_file", {"path": "../escaped.py", "content": "x"}),
        ("w2", "write_file", {"path": "/tmp/rae-engineer-ai-abs.py", "content": "x"}),
        ("w3", "write_file", {"path": "link/through.py", "content": "x"}),
        ("w4", "write_file", {"path": ".env", "content": "x"}),
        ("w5", "read_file", {"path": "link/../../escaped.py"}),
        ("w6", "write_file", {"path": "scripts/ok.py", "content": "print(1)\n"})])},
        {"expect": {"last_user_contains": ["'..' would leave", "an absolute path",
                                           "not a folder of the working directory",
                                           ".env holds the secrets", "wrote scripts/ok.py"]},
         "reply": reply(calls=[("w7", "finish", {"summary": "done"})])}]
    model = Model(out, "files", "anthropic", turns)
    try:
        rc, events, err = engineer(d, model, "write files", extra=["--no-run"])
        check("files: the run ends well", rc == 0, "exit %d: %s" % (rc, err[-300:]))
        check("files: nothing written outside the output directory",
              not os.listdir(outside) and not os.path.exists(os.path.join(out, "escaped.py")) and
              not os.path.exists("/tmp/rae-engineer-ai-abs.py"), repr(os.listdir(outside)))
        check("files: .env untouched", "RAE_PASSWORD" in open(os.path.join(d, ".env")).read())
        check("files: inside, written", os.path.exists(os.path.join(d, "scripts/ok.py")))
        model.clean("files")
    finally:
        model.close()


def scenario_unconfigured(out):
    e = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    p = subprocess.run([RAE, "engineer", HAR, "-o", os.path.join(out, "client-none"), "--prompt",
                        "anything"], capture_output=True, text=True, env=e, timeout=60)
    check("no provider: the deterministic client only, said once",
          p.returncode == 0 and p.stderr.count("no model configured") == 1 and
          os.path.exists(os.path.join(out, "client-none/api_client.py")), p.stderr[-300:])


def main():
    global RAE
    RAE, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    notes, notes_url = start([PY, os.path.join(ROOT, "tests/fixtures/notes_api/app.py"),
                              "--port", "0"], os.path.join(out, "notes.err"))
    try:
        d = scenario_export(out, notes_url, "anthropic")
        scenario_continue(out, d, notes_url)
        scenario_export(out, notes_url, "openai")
    finally:
        stop(notes)
    scenario_faults(out)
    scenario_interrupt(out)
    scenario_secrets(out)
    scenario_files(out)
    scenario_unconfigured(out)
    print("engineer_ai: %s" % ("%d failed: %s" % (len(FAILED), ", ".join(FAILED)) if FAILED
                               else "all passed"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

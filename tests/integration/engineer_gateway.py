#!/usr/bin/python3
"""rae gateway (issue 18): the AI engineer without the key, through a UNIX socket.

The fixture model server (tests/fixtures/model_server) checks the key of every request: a run of
`rae engineer --prompt --base-url unix:SOCKET` whose environment has no key passes only when the
gateway added it. Then:
  1. the key is nowhere the engineer's commands can look: their environment, /proc/self, DIR;
  2. the usage of each answer is recorded for the user, and adds up to the fixture's token counts
     at the price table's prices (`rae user budget NAME --json`);
  3. a user whose monthly budget is spent gets one clear error, and the provider no request;
  4. the gateway answers a path that is not the provider's with a 404 in the provider's shape;
  5. a client that connects and sends nothing does not keep the gateway from stopping.

usage: engineer_gateway.py RAE OUTDIR
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
HAR = os.path.join(ROOT, "tests/fixtures/notes_api/recorded.har")
KEY = "sk-ant-gateway-fixture-7f3a9c"
FAILED = []


def check(name, cond, why=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + why), flush=True)
    if not cond:
        FAILED.append(name)


def usage(i, o, cached):
    return {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": cached,
            "cache_creation_input_tokens": 0}


def turns():
    # the key's two halves joined in the shell: the command itself (in the transcript) never
    # holds the whole key
    half = len(KEY) // 2
    look = ("env; cat /proc/self/environ | tr '\\0' '\\n'; k=%s; grep -rl \"${k}%s\" . "
            "|| echo none" % (KEY[:half], KEY[half:]))
    return [
        {"reply": {"text": "Looking around.", "tool_calls": [
            {"id": "g1", "name": "run", "input": {"command": look}}],
            "usage": usage(4000, 50, 0)}},
        {"expect": {"tool_result_for": "g1"},
         "reply": {"tool_calls": [{"id": "g2", "name": "finish", "input": {"summary": "done"}}],
                   "usage": usage(200, 20, 3900)}},
    ]


def main():
    rae, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    data = os.path.join(out, "data")
    run = lambda *a, **k: subprocess.run([rae] + list(a), capture_output=True, text=True, **k)
    run("user", "add", "alice", "--data-dir", data, "--password-file", "-",
        input="long enough password\n", check=True)
    script = os.path.join(out, "script.json")
    with open(script, "w") as f:
        json.dump({"provider": "anthropic", "api_key": KEY, "turns": turns()}, f)
    model = subprocess.Popen([PY, os.path.join(ROOT, "tests/fixtures/model_server/server.py"),
                              "--script", script, "--port", "0"], stdout=subprocess.PIPE,
                             stderr=open(os.path.join(out, "model.err"), "w"), text=True)
    url = re.search(r"listening on (\S+)", model.stdout.readline()).group(1)
    sock = os.path.join(out, "llm.sock")
    genv = dict(os.environ, ANTHROPIC_API_KEY=KEY, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    gateway = subprocess.Popen([rae, "gateway", "--socket", sock, "--base-url", url, "--user",
                                "alice", "--run", "run1", "--data-dir", data],
                               stderr=open(os.path.join(out, "gateway.err"), "w"), env=genv)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    eenv = {k: v for k, v in os.environ.items()
            if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    d = os.path.join(out, "client")
    try:
        p = run("engineer", HAR, "-o", d, "--prompt", "look around", "--provider", "anthropic",
                "--base-url", "unix:" + sock, "--allow-run", "--json-stream", env=eenv,
                timeout=120)
        events = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        check("the engineer without a key, through the gateway", p.returncode == 0,
              "exit %d: %s" % (p.returncode, p.stderr[-400:]))
        with urllib.request.urlopen(url + "/_fixture/report", timeout=10) as r:
            rep = json.load(r)
        check("every request with the right key, as the provider's reference says",
              not rep["deviations"] and rep["turns_left"] == 0, json.dumps(rep)[:500])
        results = " ".join(e.get("message", "") for e in events
                           if e["type"] == "tool" and e["phase"] == "result")
        check("the key is not in the commands' environment, /proc/self or DIR",
              "exit status 0" in results and KEY not in results and "\nnone" in results,
              results[-300:])
        spent = json.loads(run("user", "budget", "alice", "--json", "--data-dir", data).stdout)
        want = (4200 * 3 + 70 * 15 + 3900 * 0.3) / 1e6  # claude-sonnet-4-5's prices
        check("usage recorded for the user, at the price table's prices",
              abs(spent["spent_usd"] - want) < 1e-9, "%r, want %.6f" % (spent, want))
        # the budget spent: one clear error, no request to the provider
        run("user", "budget", "alice", "0.001", "--data-dir", data, check=True)
        before = rep["requests"]
        p = run("engineer", HAR, "-o", os.path.join(out, "client2"), "--prompt", "again",
                "--provider", "anthropic", "--base-url", "unix:" + sock, "--json-stream",
                env=eenv, timeout=60)
        errors = [json.loads(l) for l in p.stdout.splitlines()
                  if l.startswith("{") and json.loads(l)["type"] == "error"]
        with urllib.request.urlopen(url + "/_fixture/report", timeout=10) as r:
            after = json.load(r)["requests"]
        check("a spent budget: one error that says so, and no request to the provider",
              p.returncode == 1 and len(errors) == 1 and "budget" in errors[0]["message"] and
              errors[0]["kind"] == "budget" and
              after == before, "exit %d %r, requests %d -> %d" % (p.returncode, errors, before,
                                                                  after))
        # a path that is not the provider's
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(sock)
            c.sendall(b"POST /v1/other HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            got = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                got += chunk
        text = got.decode("utf-8", "replace")
        check("another path: a 404 in the provider's shape",
              text.startswith("HTTP/1.1 404") and '"not_found_error"' in text and
              "/v1/messages" in text, text[:300])
        # a client that connects and says nothing holds neither the gateway nor its stop
        silent = socket.socket(socket.AF_UNIX)
        silent.connect(sock)
        time.sleep(0.2)
    finally:
        gateway.terminate()
        model.terminate()
        gateway.wait(10)
        model.wait(10)
    check("the gateway stops on SIGTERM (a silent client connected) and removes its socket", gateway.returncode == 0 and
          not os.path.exists(sock), "exit %s" % gateway.returncode)
    print("engineer_gateway: %s" % ("%d failed" % len(FAILED) if FAILED else "all passed"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

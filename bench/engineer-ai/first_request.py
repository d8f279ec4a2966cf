#!/usr/bin/python3
"""What the AI engineer sends a model first, and how soon (issue 17's measures).

For the corpus's largest HARs and the generated ~100 MB one (bench/engineer/make_big_har.py),
`rae engineer HAR -o DIR --prompt ... --base-url STUB` is run against a stub of the Anthropic
Messages API on loopback that takes the first request, notes when it came, and answers with a
`finish` call (so rae sends no second one). Printed per HAR, medians of RUNS runs:

  - the HAR's size in tokens and the first request's (the model's view of the capture: system
    prompt, tools, model.json, method list, task), by the stated estimate of 4 bytes a token
    (Anthropic's and OpenAI's tokenizers give 3.5-4.5 bytes a token on JSON and English);
  - the ratio HAR / request: the point of sending the API model instead of the HAR;
  - the time from the command to the first request (target: under 1 s on the 100 MB HAR), and
    the first request's tokens (target: at most 20,000).

usage: first_request.py RAE [RUNS]   (make bench runs it; it needs the 100 MB HAR made by
bench/engineer/run.sh, and skips it when absent)
"""
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BYTES_PER_TOKEN = 4.0
FINISH = [
    ("message_start", {"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant", "content": [],
        "model": "claude-sonnet-4-5", "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "toolu_bench", "name": "finish", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {
        "type": "input_json_delta", "partial_json": "{\"summary\": \"bench\"}"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use",
                                                          "stop_sequence": None},
                       "usage": {"output_tokens": 5}}),
    ("message_stop", {"type": "message_stop"}),
]


class Stub:
    """The first request of each run: when it came and its size."""

    def __init__(self):
        stub = self
        self.got = None

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                if stub.got is None:
                    stub.got = (time.monotonic(), len(body))
                out = "".join("event: %s\ndata: %s\n\n" % (e, json.dumps(d)) for e, d in FINISH)
                data = out.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def one_run(rae, har, stub):
    stub.got = None
    out = tempfile.mkdtemp(prefix="rae-bench-ai-")
    env = dict(os.environ, ANTHROPIC_API_KEY="bench")
    t0 = time.monotonic()
    p = subprocess.run([rae, "engineer", har, "-o", out, "-q", "--prompt",
                        "export every record of this API as CSV", "--provider", "anthropic",
                        "--base-url", stub.url, "--no-run"], env=env, capture_output=True,
                       text=True)
    subprocess.run(["rm", "-rf", out])
    if p.returncode != 0 or stub.got is None:
        raise SystemExit("first_request: rae failed on %s: %s" % (har, p.stderr[-300:]))
    return stub.got[0] - t0, stub.got[1]


def main():
    rae = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    corpus = os.environ.get("RAE_CORPUS", os.path.join(ROOT, "tests/corpus/har"))
    hars = sorted(glob.glob(os.path.join(corpus, "*.har")), key=os.path.getsize)[-3:]
    big = glob.glob(os.path.join(ROOT, "build/bench/engineer/*-x100MB.har"))
    hars += big[:1]
    stub = Stub()
    print("%-60s %10s %12s %12s %9s %12s" % ("HAR", "MB", "HAR tokens", "1st request",
                                              "ratio", "to 1st req"))
    worst = (0.0, 0)
    for har in hars:
        times, sizes = [], []
        for _ in range(runs):
            t, n = one_run(rae, har, stub)
            times.append(t)
            sizes.append(n)
        size = os.path.getsize(har)
        req = statistics.median(sizes)
        t = statistics.median(times)
        print("%-60s %10.1f %12d %12d %8.0fx %10.3f s" % (
            os.path.basename(har)[:60], size / 1e6, size / BYTES_PER_TOKEN,
            req / BYTES_PER_TOKEN, size / req, t))
        if har in big:
            worst = (t, req / BYTES_PER_TOKEN)
    if big:
        print("100 MB HAR: first request %.3f s after the command (target < 1 s), %d tokens "
              "(target <= 20000)" % worst)
    else:
        print("(no 100 MB HAR: bench/engineer/run.sh makes it)")
    stub.server.shutdown()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The fixture site of the web end-to-end test (web_e2e.mjs): one page with a large button that
calls a small JSON API, and an input for typing and pasting.

    site.py [--port N]        (default 0: an ephemeral port)

Prints `listening on http://127.0.0.1:PORT` once ready and serves until SIGTERM/SIGINT.

The page (GET /): a 400x240 button at (440, 200) in page coordinates, the colour #ff00cc, which
the test finds in the noVNC canvas. A click runs

    POST /api/items {"name": "item N"}   -> 201 {"id", "name", "created"}
    GET  /api/items                      -> 200 {"items": [...], "count"}
    GET  /api/items/{id}                 -> 200 the item (id taken from the POST's answer)

(the name is what #note holds, else "item N") and shows the result below the button. Ids grow from 1 and flow from the POST's answer, so a
replay of the capture (POST, list, the new id) passes however many times it runs. The input
(#note, at (40, 90), 600x40) echoes what is typed or pasted into it in #echo, and #meter (at
(40, 150), 12 px high, #00ccff) is 8 px wide per character of it: the test reads the length
from the screen.

GET /_test/state (not used by the page): {"posts", "gets", "items", "names"} for the test to
see what the remote browser did (and what the replay added).
"""

import argparse
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rae e2e fixture</title>
<link rel="icon" href="data:,">
<style>
  html, body { margin: 0; background: #ffffff; font: 18px/1.4 sans-serif; color: #111; }
  h1 { position: absolute; left: 40px; top: 20px; margin: 0; font-size: 28px; }
  #note { position: absolute; left: 40px; top: 90px; width: 600px; height: 40px; font-size: 20px; }
  #echo { position: absolute; left: 660px; top: 98px; }
  #meter { position: absolute; left: 40px; top: 150px; height: 12px; width: 0; background: #00ccff; }
  #go { position: absolute; left: 440px; top: 200px; width: 400px; height: 240px; border: 0;
        background: #ff00cc; color: #ffffff; font-size: 32px; cursor: pointer; }
  #out { position: absolute; left: 40px; top: 470px; margin: 0; font-size: 16px; }
</style>
</head>
<body>
<h1>Items</h1>
<input id="note" placeholder="type or paste here" autocomplete="off">
<span id="echo"></span>
<div id="meter"></div>
<button id="go" type="button">Add an item</button>
<pre id="out">No items yet.</pre>
<script>
  const out = document.getElementById('out');
  const note = document.getElementById('note');
  note.addEventListener('input', () => {
    document.getElementById('echo').textContent = note.value;
    document.getElementById('meter').style.width = 8 * note.value.length + 'px';
  });
  let clicks = 0;
  document.getElementById('go').addEventListener('click', async () => {
    clicks += 1;
    try {
      const made = await fetch('/api/items', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: note.value || 'item ' + clicks }),
      }).then((r) => r.json());
      const list = await fetch('/api/items').then((r) => r.json());
      const one = await fetch('/api/items/' + made.id).then((r) => r.json());
      out.textContent = 'Added ' + one.name + ' (id ' + one.id + '); ' + list.count + ' in all.';
    } catch (e) {
      out.textContent = 'Failed: ' + e;
    }
  });
</script>
</body>
</html>
"""


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.posts = 0
        self.gets = 0


STORE = Store()
ITEM_RE = re.compile(r"^/api/items/(\d+)$")


class Handler(BaseHTTPRequestHandler):
    server_version = "rae-e2e-site/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("site: %s %s\n" % (self.address_string(), fmt % args))

    def send(self, status, body, ctype="application/json"):
        raw = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/":
            return self.send(200, PAGE, "text/html; charset=utf-8")
        if path == "/favicon.ico":
            return self.send(204, b"", "image/x-icon")
        if path == "/api/items":
            with STORE.lock:
                STORE.gets += 1
                items = list(STORE.items)
            return self.send(200, {"items": items, "count": len(items)})
        m = ITEM_RE.match(path)
        if m:
            with STORE.lock:
                STORE.gets += 1
                found = [i for i in STORE.items if i["id"] == int(m.group(1))]
            if not found:
                return self.send(404, {"error": "no such item"})
            return self.send(200, found[0])
        if path == "/_test/state":
            with STORE.lock:
                return self.send(200, {"posts": STORE.posts, "gets": STORE.gets,
                                       "items": len(STORE.items),
                                       "names": [i["name"] for i in STORE.items]})
        return self.send(404, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if path != "/api/items":
            return self.send(404, {"error": "not found"})
        try:
            body = json.loads(raw or b"{}")
            name = str(body.get("name") or "item")[:100]
        except (ValueError, AttributeError):
            return self.send(400, {"error": "a JSON object, please"})
        with STORE.lock:
            STORE.posts += 1
            item = {"id": len(STORE.items) + 1, "name": name, "created": int(time.time())}
            STORE.items.append(item)
        return self.send(201, item)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()

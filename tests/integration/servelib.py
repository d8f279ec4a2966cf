"""What the tests of rae serve share: a server on loopback, a browser-like HTTP client, a plain
WebSocket client (RFC 6455, no library), and the rae command line on the same data dir.

    import servelib as sl
    sl.setup("name", RAE, OUT)          # names failures, and the data dir OUT/data
    sl.fresh_out()                      # OUT emptied (the sprites of a run before removed), 0700
    server = sl.Server(port)            # rae serve --listen 127.0.0.1:PORT --data-dir OUT/data
"""
import base64
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import threading
import subprocess
import sys
import time
import urllib.error
import urllib.request

CTX = {"name": "test", "rae": None, "out": None, "data": None}


def setup(name, rae, out):
    CTX.update(name=name, rae=rae, out=out, data=os.path.join(out, "data"))


def fail(msg):
    print("FAIL %s: %s" % (CTX["name"], msg))
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rae(*args, stdin=None, timeout=60):
    """rae CMD --data-dir DATA ARGS...: (status, stdout, stderr)."""
    # --data-dir right after the command: after an exec's "--" it would be the program's
    r = subprocess.run([CTX["rae"], args[0], "--data-dir", CTX["data"], *args[1:]], input=stdin,
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


class Server:
    """rae serve on 127.0.0.1:port with the test's data dir; extra: more arguments."""

    def __init__(self, port, site_port=None, extra=(), env=None):
        self.port, self.site_port, self.extra, self.env = port, site_port, list(extra), env
        self.start()

    def start(self):
        self.log = open(os.path.join(CTX["out"], "serve.log"), "a")
        args = [CTX["rae"], "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir",
                CTX["data"]]
        if self.site_port:
            args += ["--allow-net", "127.0.0.1:%d" % self.site_port]
        self.proc = subprocess.Popen(args + self.extra, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, env=self.env)
        self.out = []
        deadline = time.time() + 20
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                fail("rae serve exited: see %s/serve.log" % CTX["out"])
            self.out.append(line)
            if "listening on" in line:
                break
        # the first-run link follows the listening line, when there is no user
        time.sleep(0.2)

    def more_output(self):
        os.set_blocking(self.proc.stdout.fileno(), False)
        try:
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.out.append(line)
        except (BlockingIOError, TypeError):
            pass
        return "".join(self.out)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("rae serve did not stop on SIGTERM")
        if rc != 0:
            fail("rae serve exited %d after SIGTERM" % rc)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class Client:
    """A browser-like client: keeps the session cookie, sends the CSRF token when it has one."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.cookie = None
        self.csrf = None
        self.bearer = None

    def call(self, method, path, body=None, csrf=True, expect=None, headers=None):
        """body: a JSON value, None (no body), or b"" (an empty body: Content-Length: 0, as a
        fetch() POST without a body sends)."""
        data = body if body == b"" else json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        if self.csrf and csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        if self.bearer:
            req.add_header("Authorization", "Bearer " + self.bearer)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                status, headers, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, e.headers, e.read()
        set_cookie = headers.get("Set-Cookie")
        if set_cookie:
            m = re.match(r"rae_session=([^;]*)", set_cookie)
            if m:
                self.cookie = "rae_session=" + m.group(1) if m.group(1) else None
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            fail("%s %s: not JSON: %r" % (method, path, raw[:200]))
        if expect is not None and status != expect:
            fail("%s %s: status %d, wanted %d: %s" % (method, path, status, expect, doc))
        if status >= 400 and not (isinstance(doc, dict) and "code" in doc.get("error", {})
                                  and "message" in doc["error"]):
            fail("%s %s: error without {error: {code, message}}: %s" % (method, path, doc))
        return status, doc, headers

    def login(self, name, password, expect=200):
        status, doc, headers = self.call("POST", "/api/auth/login",
                                         {"username": name, "password": password}, expect=expect)
        if status == 200:
            self.csrf = doc["csrf"]
            cookie = headers.get("Set-Cookie", "")
            for part in ("HttpOnly", "SameSite=Lax", "Path=/"):
                if part not in cookie:
                    fail("the session cookie lacks %s: %s" % (part, cookie))
        return doc


def raw_http(port, data, timeout=10):
    """Sends data (bytes) on a new connection and returns what came back until the server closed
    or timeout passed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


class WebSocket:
    """Just enough of a WebSocket client (RFC 6455) to speak RFB through the relay and read an
    engineer run's events. protocol None: no Sec-WebSocket-Protocol header, as a script sends."""

    def __init__(self, port, path, cookie=None, protocol="binary", origin=None, bearer=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port, "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        if cookie:
            lines.append("Cookie: " + cookie)
        if bearer:
            lines.append("Authorization: Bearer " + bearer)
        if origin:
            lines.append("Origin: " + origin)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        self.head = head
        self.status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
        self.pending = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""
        self.stream = b""
        self.close_code, self.close_reason = None, None

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the relay closed")
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def recv(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        payload = self._read(n)
        if (b0 & 0x0F) == 8:
            if len(payload) >= 2:
                self.close_code = struct.unpack(">H", payload[:2])[0]
                self.close_reason = payload[2:].decode(errors="replace")
            raise EOFError("the relay sent close")
        return payload

    def events(self):
        """The text messages (JSON events) up to the run's last (complete or error), then a close
        frame as a browser sends it."""
        out = []
        while not out or out[-1]["type"] not in ("complete", "error"):
            out.append(json.loads(self.recv()))
        mask = os.urandom(4)
        self.sock.sendall(bytes([0x88, 0x82]) + mask + bytes(b ^ mask[i] for i, b in enumerate(b"\x03\xe8")))
        return out

    def recv_exactly(self, n):
        """n bytes of the RFB stream, whatever the frames they came in."""
        while len(self.stream) < n:
            self.stream += self.recv()
        out, self.stream = self.stream[:n], self.stream[n:]
        return out

    def send(self, data):
        mask = os.urandom(4)
        head = bytes([0x82]) + (bytes([0x80 | len(data)]) if len(data) < 126
                                else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def first_admin(server, port, name="root1", password="first-password"):
    """Creates the first (admin) account with the first-run link; its signed-in Client."""
    m = re.search(r"/setup\?token=([A-Za-z0-9_-]+)", server.more_output())
    if not m:
        fail("no first-run link in: %s" % server.more_output())
    admin = Client(port)
    doc = admin.call("POST", "/api/auth/setup",
                     {"token": m.group(1), "username": name, "password": password}, expect=200)[1]
    admin.csrf = doc["csrf"]
    return admin, m.group(1)


def add_user(name, password):
    pw = os.path.join(CTX["out"], "pw-" + name)
    with open(pw, "w") as f:
        f.write(password + "\n")
    rc, _, err = rae("user", "add", name, "--password-file", pw)
    if rc != 0:
        fail("rae user add %s: %s" % (name, err))


def remove_sprites():
    """Removes every sprite of the data dir through rae (they are mounted, with namespaces)."""
    sprites = os.path.join(CTX["data"], "sprites")
    for name in os.listdir(sprites) if os.path.isdir(sprites) else []:
        subprocess.run([CTX["rae"], "sprite", "rm", name, "--data-dir", CTX["data"]],
                       capture_output=True)


class HealthWatch:
    """What another user sees while something runs: GET /healthz every `every` seconds on a
    connection of its own (a request that never came counts as the time it waited), and, with a
    pid, that process' RSS every 100 ms. stop() gives {p50, p99, max (ms), n, errors,
    rss_peak_mb}."""

    def __init__(self, port, every=0.05, pid=None):
        self.port, self.every, self.pid = port, every, pid
        self.lat, self.rss, self.errors, self.stop_flag = [], [], 0, False
        targets = [self._health] + ([self._mem] if pid else [])
        self.threads = [threading.Thread(target=f, daemon=True) for f in targets]
        for t in self.threads:
            t.start()

    def _health(self):
        while not self.stop_flag:
            t0 = time.time()
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.port,
                                            timeout=30) as r:
                    r.read()
            except OSError:
                self.errors += 1
            self.lat.append((time.time() - t0) * 1000)
            time.sleep(self.every)

    def _mem(self):
        while not self.stop_flag:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    self.rss += [int(l.split()[1]) for l in f if l.startswith("VmRSS:")]
            except OSError:
                pass
            time.sleep(0.1)

    def stop(self):
        self.stop_flag = True
        for t in self.threads:
            t.join()
        lat = sorted(self.lat) or [0]
        return {"p50": statistics.median(lat), "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
                "max": lat[-1], "n": len(self.lat), "errors": self.errors,
                "rss_peak_mb": max(self.rss or [0]) / 1024}


def fresh_out():
    """OUT made empty, the sprites an earlier run left removed first, and mode 0700: the data dir
    lies below a folder the sprites' uids cannot enter, as it does in /root or a home directory."""
    remove_sprites()
    shutil.rmtree(CTX["out"], ignore_errors=True)
    os.makedirs(CTX["out"])
    os.chmod(CTX["out"], 0o700)

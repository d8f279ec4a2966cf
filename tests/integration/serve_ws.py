#!/usr/bin/python3
"""The WebSockets of rae serve as a script meets them: a client that names no subprotocol
(Python's websockets, websocat, Node's ws without one) gets the display and a run's events; one
that names a wrong one, or is not let in, gets an HTTP status with a JSON error before the
upgrade; a viewer that comes while the display is not up is held, then closed with a code and a
reason.

    serve_ws.py RAE OUTDIR
"""
import json
import os
import sys
import threading
import time

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402
from servelib import Client, WebSocket, fail, free_port  # noqa: E402

sl.setup("serve_ws", RAE, OUT)
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def refused(ws, status, code):
    """ws was answered status with {error: {code, message}} and no upgrade."""
    if ws.status != status or not ws.head.startswith(b"HTTP/1.1 "):
        fail("%s: %r, wanted HTTP/1.1 %d" % (code, ws.head[:60], status))
    body = ws.pending
    while len(body) < int(ws.head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]):
        body += ws.sock.recv(4096)
    doc = json.loads(body)
    if doc["error"]["code"] != code or not doc["error"]["message"]:
        fail("the refusal says %s, wanted code %s" % (doc, code))
    return doc["error"]["message"]


def held_then_closed(port, alice, sid, result):
    """No browser runs: the viewer is held, then closed with 1013 and why."""
    t0 = time.time()
    ws = WebSocket(port, "/api/sprite/%s/browser/vnc" % sid, alice.cookie, None)
    ws.sock.settimeout(40)
    try:
        ws.recv()
    except (EOFError, OSError):
        pass
    result.append((ws.status, ws.close_code, ws.close_reason, time.time() - t0))


def main():
    sl.fresh_out()
    port = free_port()
    server = sl.Server(port)
    try:
        sl.first_admin(server, port)
        for name in ("alice", "bob"):
            sl.add_user(name, name + "-password")
        alice, bob = Client(port), Client(port)
        alice.login("alice", "alice-password")
        bob.login("bob", "bob-password")
        sid = alice.call("POST", "/api/sprite", {}, expect=201)[1]["id"]
        vnc = "/api/sprite/%s/browser/vnc" % sid

        print("== a viewer with no display is held, then told why (in the background: 15 s)")
        held = []
        waiting = threading.Thread(target=held_then_closed, args=(port, alice, sid, held))
        waiting.start()

        print("== refusals are HTTP statuses with a JSON error, before the upgrade")
        refused(WebSocket(port, vnc, None, None), 401, "unauthenticated")
        refused(WebSocket(port, vnc, bob.cookie, None), 404, "not_found")
        refused(WebSocket(port, vnc, alice.cookie, None, origin="http://evil.example"), 403,
                "cross_origin")
        message = refused(WebSocket(port, vnc, alice.cookie, "rae-events"), 400, "bad_subprotocol")
        if "'binary'" not in message:
            fail("the refusal of a wrong subprotocol does not say which one: %s" % message)
        refused(WebSocket(port, vnc, alice.cookie, "chat, superchat"), 400, "bad_subprotocol")
        refused(WebSocket(port, "/api/nothing", alice.cookie, None), 404, "not_found")
        stream = "/api/sprite/%s/engineer/stream" % sid
        refused(WebSocket(port, stream, alice.cookie, None), 400, "bad_request")
        refused(WebSocket(port, stream + "?run=r_nope", alice.cookie, None), 404, "not_found")

        print("== a run's events, to a client that names no subprotocol")
        rc, _, err = sl.rae("sprite", "files", sid, "put", "har/notes.har",
                            os.path.join(EXAMPLES, "notes.har"))
        if rc != 0:
            fail("putting the HAR: %s" % err)
        run = alice.call("POST", "/api/sprite/%s/engineer/run" % sid, {"harPath": "har/notes.har"},
                         expect=202)[1]
        events = WebSocket(port, run["streamUrl"], alice.cookie, None).events()
        named = WebSocket(port, run["streamUrl"], alice.cookie, "rae-events").events()
        if events[-1]["type"] != "complete" or events != named:
            fail("the events without a subprotocol: %s" % events[-2:])
        refused(WebSocket(port, run["streamUrl"], alice.cookie, "binary"), 400, "bad_subprotocol")

        waiting.join()
        status, code, reason, took = held[0]
        print("   held %.1f s, then closed %s: %s" % (took, code, reason))
        if status != 101 or code != 1013 or "no browser" not in (reason or "") or took < 10:
            fail("a viewer with no display: %s" % (held,))

        print("== the display, to a client that names no subprotocol, right after the start")
        started = alice.call("POST", "/api/sprite/%s/browser/start" % sid, {}, expect=200)[1]
        ws = WebSocket(port, started["vncUrl"], alice.cookie, None)
        ws.sock.settimeout(30)
        if ws.status != 101 or ws.recv_exactly(12) != b"RFB 003.008\n":
            fail("the display right after the start: %s" % ws.head[:60])
        ws.sock.close()
        alice.call("POST", "/api/sprite/%s/browser/stop" % sid, {}, expect=200)
        server.stop()
    finally:
        server.kill()
        sl.remove_sprites()
    print("PASS serve_ws")


if __name__ == "__main__":
    main()

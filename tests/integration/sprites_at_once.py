#!/usr/bin/python3
"""Sprites created at once: each gets a host uid of its own, and the data dir's cap holds.

The soak (bench/serve/soak.py) found that 20 users whose sprites rae serve made at the same time
(its worker threads) all got one host uid: each create chose "the smallest uid no sprite has"
before any of the others had written its sprite.json. It also found that a server could never
hold more than 16 sprites (one per user), whatever its admin wanted.

    sprites_at_once.py RAE OUTDIR
"""
import json
import os
import subprocess
import sys
import threading

RAE, OUT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servelib as sl  # noqa: E402

sl.setup("sprites_at_once", RAE, OUT)
CAP_MSG = "the most this data dir allows"


def uids(data):
    """{sprite: its host uid} of the data dir's sprites."""
    out = {}
    sprites = os.path.join(data, "sprites")
    for name in os.listdir(sprites):
        with open(os.path.join(sprites, name, "sprite.json")) as f:
            out[name] = json.load(f)["uid"]
    return out


def distinct(data, want):
    got = uids(data)
    if len(got) != want:
        sl.fail("%d sprites in %s, wanted %d: %s" % (len(got), data, want, sorted(got)))
    if len(set(got.values())) != len(got):
        sl.fail("sprites made at once share host uids: %s" % sorted(got.items()))


def command_line():
    print("== 18 'rae sprite create' at once under the default cap of 16")
    data = sl.CTX["data"]
    procs = [subprocess.Popen([RAE, "sprite", "create", "c%d" % i, "--data-dir", data],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for i in range(18)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    made = sum(rc == 0 for rc, _ in results)
    refused = [err for rc, err in results if rc != 0]
    if made != 16 or len(refused) != 2 or not all(CAP_MSG in err for err in refused):
        sl.fail("18 creates at once under a cap of 16: %d made, refused: %s" % (made, refused))
    distinct(data, 16)


def server():
    print("== rae serve --max-sprites 17: 18 users ask for their sprite at once")
    port = sl.free_port()
    names = ["user%d" % i for i in range(18)]
    tokens = []
    for name in names:
        sl.add_user(name, "password-" + name)
        rc, token, err = sl.rae("token", "create", name)
        if rc != 0:
            sl.fail("rae token create %s: %s" % (name, err))
        tokens.append(token.strip())
    srv = sl.Server(port, extra=["--max-sprites", "17"])
    try:
        gate, answers = threading.Barrier(len(tokens)), []

        def ask(token):
            c = sl.Client(port)
            c.bearer = token
            gate.wait()
            answers.append(c.call("POST", "/api/sprite", {}))

        threads = [threading.Thread(target=ask, args=(t,)) for t in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(a[0] for a in answers)
        refused = [a[1] for a in answers if a[0] != 201]
        if statuses != [201] * 17 + [503] or refused[0]["error"]["code"] != "sprite_failed" or \
                "17 sprites, " + CAP_MSG not in refused[0]["error"]["message"]:
            sl.fail("18 sprites asked for under --max-sprites 17: %s %s" % (statuses, refused))
        distinct(sl.CTX["data"], 17)
        srv.stop()
    finally:
        srv.kill()
    rc = subprocess.run([RAE, "serve", "--max-sprites", "0"], capture_output=True, text=True)
    if rc.returncode != 2 or "--max-sprites" not in rc.stderr:
        sl.fail("--max-sprites 0: %d %s" % (rc.returncode, rc.stderr))


def main():
    base = OUT
    try:
        sl.setup("sprites_at_once", RAE, os.path.join(base, "cli"))
        sl.fresh_out()
        command_line()
        sl.remove_sprites()
        sl.setup("sprites_at_once", RAE, os.path.join(base, "serve"))
        sl.fresh_out()
        server()
    finally:
        sl.remove_sprites()
    print("PASS sprites_at_once")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Checks a HAR that `rae capture` recorded of the capture lab (tests/fixtures/capture_lab), and,
given the HAR Playwright's recordHar made of the same browsing, that rae's holds everything the
peer's does.

    check_capture.py RAE.har [PEER.har]

Prints one line per check; exits 1 when any fails.
"""
import base64
import json
import sys

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def entries(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["log"]


def find(log, method, suffix):
    return [e for e in log["entries"] if e["request"]["method"] == method
            and e["request"]["url"].split("?")[0].endswith(suffix)]


def one(log, method, suffix):
    found = find(log, method, suffix)
    check(len(found) >= 1, "%s %s recorded" % (method, suffix))
    return found[0] if found else None


def body(entry):
    c = entry["response"]["content"]
    text = c.get("text") or ""
    return base64.b64decode(text) if c.get("encoding") == "base64" else text.encode()


def lab_cases(log):
    page = one(log, "GET", ":%s/" % log["entries"][0]["request"]["url"].split(":")[2].split("/")[0])
    if page:
        cookies = [c["name"] for c in page["response"]["cookies"]]
        check("lab_session" in cookies, "the page's Set-Cookie is in response.cookies")
    landing = one(log, "GET", "/api/landing")
    if landing:
        sent = [c["name"] for c in landing["request"]["cookies"]]
        check("lab_session" in sent, "later requests carry the cookie (real headers, ExtraInfo)")
    chain = [one(log, "GET", "/redirect/%d" % n) for n in (3, 2, 1)]
    if all(chain):
        check([e["response"]["status"] for e in chain] == [302, 301, 307],
              "the redirect chain is three entries: 302, 301, 307")
        check(all(e["response"]["redirectURL"] for e in chain), "each hop has its redirectURL")
    big = one(log, "POST", "/api/upload-big")
    if big:
        check(len(big["request"].get("postData", {}).get("text", "")) > 1_000_000,
              "the 1.6 MB POST body is there whole")
    up = one(log, "POST", "/api/upload-file")
    if up:
        pd = up["request"].get("postData", {})
        raw = base64.b64decode(pd.get("text", "")) if pd.get("encoding") == "base64" else b""
        check(b"data.bin" in raw and len(raw) > 2048, "the multipart body with its binary file part")
        files = [p for p in pd.get("params", []) if p.get("fileName") == "data.bin"]
        check(len(files) == 1, "postData.params names the file part")
    img = one(log, "GET", "/api/image.png")
    if img:
        check(body(img).startswith(b"\x89PNG"), "the binary response is base64 and decodes to a PNG")
    frame = one(log, "GET", "/frame")
    if frame:
        check(frame["request"]["url"].startswith("http://localhost:") and b"another origin" in body(frame),
              "the second-origin iframe's document, with its body")
    # A dedicated worker's requests may be reported by its page's session or its own, whichever
    # Chromium attaches first; an iframe's and a service worker's come from their own targets.
    for suffix, target in (("/api/frame-data", "iframe"), ("/api/worker-data", None),
                           ("/api/sw-data", "service_worker")):
        e = one(log, "GET", suffix)
        if e:
            check((target is None or e.get("_targetType") == target) and len(body(e)) > 0,
                  "%s from the %s, with its body" % (suffix, target or "worker"))
    ws = [e for e in log["entries"] if e["request"]["url"].startswith("ws://")]
    check(len(ws) == 1, "one WebSocket entry")
    if ws:
        msgs = ws[0].get("_webSocketMessages", [])
        check(ws[0]["response"]["status"] == 101, "the WebSocket handshake answered 101")
        check([m["type"] for m in msgs].count("send") == 2 and
              any(m["type"] == "receive" and m["data"] == "echo: hello lab" for m in msgs),
              "the WebSocket's frames both ways (_webSocketMessages)")
    sse = one(log, "GET", "/events")
    if sse:
        ticks = [m["data"] for m in sse.get("_eventSourceMessages", [])]
        check(ticks == ["1", "2", "3"], "the EventSource messages (_eventSourceMessages)")
    bad = one(log, "GET", "/api/unreachable")
    if bad:
        check(bad["response"]["status"] == 0 and
              "ERR_CONNECTION_REFUSED" in bad["response"].get("_error", ""),
              "the failed request, with its error")
    popup = one(log, "GET", "/api/popup")
    if popup and page:
        check(popup.get("pageref") and popup.get("pageref") != page.get("pageref"),
              "the popup's request belongs to a page of its own")
    starts = [e["startedDateTime"] for e in log["entries"]]
    check(starts == sorted(starts), "entries in the order they started")


def fidelity(log, peer):
    mine = {}
    for e in log["entries"]:
        mine.setdefault((e["request"]["method"], e["request"]["url"]), []).append(e)
    missing, no_body = [], []
    for e in peer["entries"]:
        key = (e["request"]["method"], e["request"]["url"])
        if key[1].startswith("data:"):
            continue
        if "/api/unreachable" in key[1]:  # a port chosen per run
            key = next(((m, u) for (m, u) in mine if "/api/unreachable" in u), key)
        if key not in mine:
            missing.append(key)
            continue
        if e["response"]["content"].get("text") and not any(body(x) for x in mine[key]):
            no_body.append(key)
    check(not missing, "every request of Playwright's HAR is in rae's%s" %
          ("" if not missing else ": missing %s" % missing))
    check(not no_body, "a body wherever Playwright's HAR has one%s" %
          ("" if not no_body else ": none for %s" % no_body))
    peer_keys = {(e["request"]["method"], e["request"]["url"]) for e in peer["entries"]}
    extra = [k for k in mine if k not in peer_keys and "/api/unreachable" not in k[1]]
    peer_up = [e for e in peer["entries"] if e["request"]["url"].endswith("/api/upload-file")]
    peer_file = bool(peer_up and peer_up[0]["request"].get("postData", {}).get("text"))
    print("info  rae has %d entries, Playwright %d; rae only: %s; multipart file body: rae yes, "
          "Playwright %s" % (len(log["entries"]), len(peer["entries"]),
                             ", ".join("%s %s" % k for k in extra) or "none",
                             "yes" if peer_file else "no"))


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    log = entries(sys.argv[1])
    lab_cases(log)
    if len(sys.argv) == 3:
        fidelity(log, entries(sys.argv[2]))
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

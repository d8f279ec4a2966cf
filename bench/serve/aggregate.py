"""bench/serve: the runs' raw results (raw.jsonl, one object per measurement) into medians, the
same-run ratios, the verdicts and results.json.

    python3 aggregate.py RAW_JSONL RESULTS_JSON
    python3 aggregate.py wrk WRK_OUTPUT RUN TARGET     (one wrk --latency output as a JSON line)

Each line of RAW_JSONL is wsload's output (or a wrk summary) with "run" and "target" added:
target is rae, websockify or direct (the echo server's socket without a relay), or wrk-me /
wrk-healthz. Medians are over runs; each ratio is computed within a run (both peers measured
minutes apart at most, under the same noise) and the median of those is what the targets judge.
"""
import json
import os
import platform
import statistics
import sys
import time


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def pick(rows, target, mode):
    return [r for r in rows if r.get("target") == target and r.get("mode") == mode]


def per_run(rows, target, mode, key, agg=median):
    """{run: value} (several measurements in a run, e.g. bulk repetitions: their median)."""
    out = {}
    for r in pick(rows, target, mode):
        out.setdefault(r["run"], []).append(r.get(key))
    return {run: agg(vs) for run, vs in out.items()}


def med(rows, target, mode, key):
    return median(per_run(rows, target, mode, key).values())


def cpu(rows, target, mode, who):
    vals = {}
    for r in pick(rows, target, mode):
        vals.setdefault(r["run"], []).append((r.get("cpu") or {}).get(who))
    return median([median(v) for v in vals.values()])


def per_run_cpu_per(rows, target, mode, rate_key):
    """{run: µs of relay CPU per unit of rate_key} (e.g. per round trip)."""
    out = {}
    for r in pick(rows, target, mode):
        c, rate = (r.get("cpu") or {}).get("server"), r.get(rate_key)
        if c is not None and rate:
            out.setdefault(r["run"], []).append(c / 100 * 1e6 / rate)
    return {run: median(v) for run, v in out.items()}


def per_run_open_cpu(rows, target):
    """{run: ms of relay CPU per connection opened} in the 100-at-once test."""
    out = {}
    for r in pick(rows, target, "open"):
        c = (r.get("cpu") or {}).get("server")
        if c is not None and r.get("connections"):
            out.setdefault(r["run"], []).append(c / 100 * r["seconds"] * 1e3 / r["connections"])
    return {run: median(v) for run, v in out.items()}


def ratio_runs(rows, mode, key, num="rae", den="websockify"):
    a, b = per_run(rows, num, mode, key), per_run(rows, den, mode, key)
    return {run: a[run] / b[run] for run in sorted(a) if run in b and a[run] and b[run]}


def fmt(v, nd=0):
    if v is None:
        return "-"
    return f"{v:,.{nd}f}"


def to_us(text):
    for unit, mul in (("us", 1), ("ms", 1e3), ("s", 1e6)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * mul
    return None


def wrk_json(path, run, target):
    """Requests/s, the latency percentiles, non-2xx responses and socket errors of one wrk run."""
    r = {"run": int(run), "target": target, "mode": "wrk", "bad": 0, "socket_errors": 0}
    for line in open(path):
        w = line.split()
        if line.startswith("Requests/sec:"):
            r["rps"] = float(w[1])
        elif len(w) == 2 and w[0] in ("50%", "75%", "90%", "99%"):
            r[f"p{w[0][:-1]}_us"] = to_us(w[1])
        elif "Non-2xx or 3xx responses:" in line:
            r["bad"] = int(w[-1])
        elif line.strip().startswith("Socket errors:"):
            r["socket_errors"] = sum(int(x.strip(",")) for x in w[3::2])
        elif "requests in" in line:
            r["requests"] = int(w[0])
    print(json.dumps(r))


def main():
    if sys.argv[1] == "wrk":
        wrk_json(*sys.argv[2:5])
        return
    raw, out = sys.argv[1], sys.argv[2]
    rows = load(raw)
    restarts = sum(r.get("count", 0) for r in rows if r.get("target") == "echo")
    rows = [r for r in rows if r.get("target") != "echo"]
    runs = sorted({r["run"] for r in rows})
    peers = ["rae", "websockify", "direct"]

    med_tab = {}
    for p in peers:
        med_tab[p] = {
            "lat1_median_us": med(rows, p, "lat", "median_us"),
            "lat1_p99_us": med(rows, p, "lat", "p99_us"),
            "conc50_rt_per_s": med(rows, p, "conc", "rt_per_s"),
            "conc50_median_us": med(rows, p, "conc", "median_us"),
            "conc50_p99_us": med(rows, p, "conc", "p99_us"),
            "bulk_mb_per_s": med(rows, p, "bulk", "mb_per_s"),
            "open100_errors_total": sum(r.get("errors", 0) for r in pick(rows, p, "open")) if pick(rows, p, "open") else None,
            "open100_ok_median": med(rows, p, "open", "ok"),
            "open100_open_median_us": med(rows, p, "open", "open_median_us"),
            "open100_open_p99_us": med(rows, p, "open", "open_p99_us"),
            "open100_rt_p99_us": med(rows, p, "open", "p99_us"),
            "cpu_conc50": {w: cpu(rows, p, "conc", w) for w in ("server", "echo", "client")},
            # CPU time of the relay per unit of work: what the noise of a shared machine changes least
            "conc50_relay_cpu_us_per_rt": median(per_run_cpu_per(rows, p, "conc", "rt_per_s").values()),
            "open100_relay_cpu_ms_per_conn": median(per_run_open_cpu(rows, p).values()),
            "cpu_bulk": {w: cpu(rows, p, "bulk", w) for w in ("server", "echo", "client")},
        }
    wrk = {}
    for t in ("wrk-me", "wrk-healthz"):
        wrk[t] = {k: med(rows, t, "wrk", k) for k in ("rps", "p50_us", "p75_us", "p90_us", "p99_us")}
        wrk[t]["bad_responses_total"] = sum(r.get("bad", 0) for r in pick(rows, t, "wrk"))
        wrk[t]["socket_errors_total"] = sum(r.get("socket_errors", 0) for r in pick(rows, t, "wrk"))

    ratios = {
        "conc50_rt_per_s": ratio_runs(rows, "conc", "rt_per_s"),
        "conc50_p99": ratio_runs(rows, "conc", "p99_us"),
        "conc50_median": ratio_runs(rows, "conc", "median_us"),
        "lat1_median": ratio_runs(rows, "lat", "median_us"),
        "lat1_p99": ratio_runs(rows, "lat", "p99_us"),
        "bulk": ratio_runs(rows, "bulk", "mb_per_s"),
    }
    rmed = {k: median(v.values()) for k, v in ratios.items()}

    # ---- the table ----
    R, W, D = med_tab["rae"], med_tab["websockify"], med_tab["direct"]
    print()
    print(f"VNC relay, medians of {len(runs)} run(s) (µs; direct = the echo server's socket, no relay)")
    hdr = f"{'':34}{'rae':>12}{'websockify':>12}{'direct':>12}"
    print(hdr)

    def line(label, key, nd=0):
        print(f"{label:34}{fmt(R[key], nd):>12}{fmt(W[key], nd):>12}{fmt(D[key], nd):>12}")

    line("1 conn: median", "lat1_median_us")
    line("1 conn: p99", "lat1_p99_us")
    line("50 conns: round trips/s", "conc50_rt_per_s")
    line("50 conns: median", "conc50_median_us")
    line("50 conns: p99", "conc50_p99_us")
    line("50 conns: relay CPU µs/round trip", "conc50_relay_cpu_us_per_rt", 1)
    line("bulk: MB/s", "bulk_mb_per_s")
    line("100 at once: errors (all runs)", "open100_errors_total")
    line("100 at once: connected median", "open100_open_median_us")
    line("100 at once: connected p99", "open100_open_p99_us")
    line("100 at once: round trip p99", "open100_rt_p99_us")
    line("100 at once: relay CPU ms/conn", "open100_relay_cpu_ms_per_conn", 2)
    for what, key in (("50 conns", "cpu_conc50"), ("bulk", "cpu_bulk")):
        for who in ("server", "echo", "client"):
            vals = [m[key][who] for m in (R, W, D)]
            label = f"CPU % of a core, {what}: {'relay' if who == 'server' else who}"
            print(f"{label:34}" + "".join(f"{fmt(v):>12}" for v in vals))
    print()
    print(f"HTTP (wrk, 2 threads, 50 connections), medians of {len(runs)} run(s)")
    print(f"{'':22}{'req/s':>10}{'p50 µs':>10}{'p75 µs':>10}{'p90 µs':>10}{'p99 µs':>10}{'non-2xx':>9}{'sock err':>9}")
    for t, label in (("wrk-me", "GET /api/me (Bearer)"), ("wrk-healthz", "GET /healthz")):
        m = wrk[t]
        print(f"{label:22}{fmt(m['rps']):>10}{fmt(m['p50_us']):>10}{fmt(m['p75_us']):>10}"
              f"{fmt(m['p90_us']):>10}{fmt(m['p99_us']):>10}{m['bad_responses_total']:>9}"
              f"{m['socket_errors_total']:>9}")
    print()
    print("rae / websockify, in each run:")
    for k, v in ratios.items():
        runs_s = " ".join(f"{x:.2f}" for x in v.values())
        print(f"  {k:18} {runs_s:40} median {fmt(rmed[k], 2)}")

    # ---- the targets ----
    def verdict(ok):
        return "met" if ok else "NOT met"

    t = []
    x = rmed["conc50_rt_per_s"]
    t.append(("50 conns round trips/s: rae >= 3x websockify", x, x is not None and x >= 3,
              f"rae/websockify = {fmt(x, 2)}"))
    x = rmed["conc50_p99"]
    t.append(("50 conns p99: rae <= 1/3 of websockify", x, x is not None and x <= 1 / 3,
              f"rae/websockify = {fmt(x, 2)} (target <= 0.33)"))
    x = rmed["lat1_median"]
    t.append(("1 conn median: rae lower than websockify", x, x is not None and x < 1,
              f"rae/websockify = {fmt(x, 2)}"))
    x = rmed["bulk"]
    t.append(("bulk MB/s: rae >= websockify", x, x is not None and x >= 1,
              f"rae/websockify = {fmt(x, 2)}"))
    e = R["open100_errors_total"]
    t.append(("100 concurrent viewers: no errors", e, e == 0, f"{e} error(s) over all runs"))
    x = wrk["wrk-me"]["rps"]
    bad = wrk["wrk-me"]["bad_responses_total"] + wrk["wrk-me"]["socket_errors_total"]
    t.append(("GET /api/me (Bearer) >= 10,000 req/s", x, x is not None and x >= 10000 and bad == 0,
              f"{fmt(x)} req/s, {bad} bad response(s)/socket error(s)"))
    print()
    print("targets:")
    for name, _, ok, detail in t:
        print(f"  {name:46} {verdict(ok):8} ({detail})")
    cl = [m["cpu_conc50"]["client"] for m in (R, W)] + [m["cpu_bulk"]["client"] for m in (R, W)]
    cl = [c for c in cl if c is not None]
    if cl:
        print(f"  (the load client used at most {max(cl):.0f} % of a core in the relay runs; "
              f"the echo server alone did {fmt(D['conc50_rt_per_s'])} round trips/s)")

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "note": "shared, noisy 2-core machine"},
        "runs": len(runs),
        "medians": med_tab,
        "http": wrk,
        "ratios_per_run": {k: {str(r): v for r, v in d.items()} for k, d in ratios.items()},
        "ratios_median": rmed,
        "echo_server_restarts": restarts,
        "targets": [{"target": n, "value": v, "met": bool(ok), "detail": d} for n, v, ok, d in t],
        "raw": rows,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    if restarts:
        print(f"  (the echo server was killed from outside {restarts} time(s); the measurements it "
              "spoiled were made again)")
    print(f"\nresults: {out}")


main()

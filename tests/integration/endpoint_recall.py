"""Compares a fixture's endpoints.txt with the operations of a generated openapi.json.

usage: endpoint_recall.py ENDPOINTS.txt OPENAPI.json
Prints precision and recall, and every endpoint missed or invented; exits 1 if any ground-truth
endpoint is missing (recall < 1). Parameter names do not matter: `{slug}` equals `{name}`.
"""
import json
import re
import sys


def norm(method, path):
    return method.upper() + " " + re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def main():
    truth_file, spec_file = sys.argv[1:3]
    truth = set()
    for line in open(truth_file, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            method, path = line.split(None, 1)
            truth.add(norm(method, path))
    spec = json.load(open(spec_file, encoding="utf-8"))
    found = set()
    for path, ops in spec.get("paths", {}).items():
        for method in ops:
            if method.lower() in ("get", "put", "post", "delete", "patch", "head", "options"):
                found.add(norm(method, path))
    hit = truth & found
    precision = len(hit) / len(found) if found else 0.0
    recall = len(hit) / len(truth) if truth else 1.0
    print(f"precision {precision:.2f} ({len(hit)}/{len(found)}), "
          f"recall {recall:.2f} ({len(hit)}/{len(truth)})")
    for e in sorted(truth - found):
        print("  missed  ", e)
    for e in sorted(found - truth):
        print("  extra   ", e)
    return 0 if not truth - found else 1


if __name__ == "__main__":
    sys.exit(main())

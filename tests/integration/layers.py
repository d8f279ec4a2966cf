#!/usr/bin/python3
"""The layers of src/ (docs/architecture.md, "Layers"): which folder's files may include which
folder's headers, and which public headers of include/rae. Reads every #include "..." of src/;
any other include is a failure naming the file and line.

    layers.py [RAE OUTDIR]   (the arguments of a script test; unused)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# folder: (its own and lower folders it may include, public headers it may include)
BASE = {"arena", "err", "events", "har", "version"}
RULES = {
    "util": ({"util"}, BASE),
    "har": ({"har", "util"}, BASE | {"har_filter", "har_stats", "har_validate"}),
    "engineer": ({"engineer", "util"}, BASE | {"engineer", "har_filter"}),
    "ckpt": ({"ckpt", "util"}, BASE),
    "host": ({"host", "util"}, BASE),
    "sprite": ({"sprite", "util"}, BASE | {"sprite"}),
    "store": ({"store", "util"}, BASE | {"store", "sprite"}),
    "capture": ({"capture", "util"}, BASE | {"capture"}),
    "ai": ({"ai", "util"}, BASE | {"ai", "store"}),
    "sprite/local": ({"sprite/local", "sprite", "host", "ckpt", "util"}, BASE | {"sprite"}),
    "server": ({"server", "util"},
               BASE | {"ai", "engineer", "capture", "sprite", "store", "server", "har_filter",
                       "har_stats", "har_validate"}),
    "cli": ({"cli", "util"}, None),  # any public header
}
# one place where the command line reaches below the public API, said where it is
EXCEPTIONS = {("cli", "sprite/local/supervise.h")}


def folder_of(path):
    rel = os.path.relpath(os.path.dirname(path), os.path.join(ROOT, "src"))
    return rel


def main():
    bad = []
    n = 0
    for dirpath, _, names in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            folder = folder_of(path)
            if folder not in RULES:
                bad.append("%s: a folder the layers do not name (add it to RULES and to "
                           "docs/architecture.md)" % os.path.relpath(path, ROOT))
                continue
            dirs, public = RULES[folder]
            with open(path) as f:
                for line_no, line in enumerate(f, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    n += 1
                    inc = m.group(1)
                    where = "%s:%d" % (os.path.relpath(path, ROOT), line_no)
                    if inc.startswith("rae/"):
                        head = inc[4:-2]
                        if public is not None and head not in public:
                            bad.append("%s: %s (a public header %s may not use)" %
                                       (where, inc, folder))
                        continue
                    inc_dir = os.path.dirname(inc)
                    if inc_dir not in dirs and (folder, inc) not in EXCEPTIONS:
                        bad.append("%s: %s (%s may include %s only)" %
                                   (where, inc, folder, ", ".join(sorted(dirs))))
    for b in bad:
        print("FAIL " + b)
    print("layers: %d includes read, %s" % (n, "%d outside the rules" % len(bad) if bad
                                              else "all within the rules"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

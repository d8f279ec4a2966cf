#!/usr/bin/env python3
"""gen_tree.py DIR [MB] [FILES]: a workspace-like tree for bench/checkpoint.

Deterministic (seeded). FILES files summing to about MB megabytes in ~FILES/20 nested
directories: mostly small files (source-like text, 200 B - 16 KB), some medium and a few large
ones (scaled so that the sum is MB; half text, half random bytes like images or archives); ~5% of
the files are copies of others (vendored duplicates). Ten symlinks and five empty directories
too. Every mtime is set to a fixed date, so that a checkpoint right after generating the tree
does not see files written "just now" (which it would read again the next time)."""
import os
import random
import sys

root = sys.argv[1]
mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
nfiles = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
rng = random.Random(20261129)
target = mb * 1024 * 1024

words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 10))))
         for _ in range(2000)]


def text(n):
    out, size = [], 0
    while size < n:
        line = " " * (4 * rng.randint(0, 3)) + " ".join(rng.choice(words) for _ in range(rng.randint(2, 12))) + ";\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def blob(n, compressible):
    if compressible:
        chunk = text(min(n, 256 * 1024))
        return (chunk * (n // len(chunk) + 1))[:n]
    return rng.randbytes(n)


dirs = [""]
for i in range(max(1, nfiles // 20)):
    parent = rng.choice(dirs)
    dirs.append(os.path.join(parent, "d%03d" % i))
for d in dirs:
    os.makedirs(os.path.join(root, d), exist_ok=True)

sizes = []
for i in range(nfiles):
    r = rng.random()
    if r < 0.80:
        sizes.append(("small", rng.randint(200, 16 * 1024)))
    elif r < 0.985:
        sizes.append(("medium", rng.randint(16 * 1024, 1024 * 1024)))
    else:
        sizes.append(("large", rng.randint(2, 12) * 1024 * 1024))
small = sum(s for k, s in sizes if k == "small")
scale = (target - small) / (sum(s for _, s in sizes) - small)  # the sum is MB; same shape
written = []
for i, (kind, size) in enumerate(sizes):
    size = max(1, int(size * scale)) if kind != "small" else size
    path = os.path.join(root, rng.choice(dirs), "f%04d%s" % (i, rng.choice([".c", ".py", ".js", ".json", ".bin", ".png", ""])))
    if written and rng.random() < 0.05:
        data = open(rng.choice(written), "rb").read()
    elif kind == "small":
        data = text(size)
    else:
        data = blob(size, rng.random() < 0.5)
    with open(path, "wb") as f:
        f.write(data)
    written.append(path)
for i in range(10):
    os.symlink(os.path.relpath(rng.choice(written), os.path.join(root, "")), os.path.join(root, "link%d" % i))
for i in range(5):
    os.makedirs(os.path.join(root, rng.choice(dirs), "empty%d" % i), exist_ok=True)
for dirpath, dirnames, filenames in os.walk(root, topdown=False):
    for name in filenames + dirnames:
        os.utime(os.path.join(dirpath, name), (1764000000, 1764000000), follow_symlinks=False)
os.utime(root, (1764000000, 1764000000))

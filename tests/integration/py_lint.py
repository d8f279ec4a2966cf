#!/usr/bin/python3
"""The Python rae writes, linted (issue 19): the templates of src/engineer/py (each one compiles
with its holes as identifiers, once with the lines of its {{#name}} sections and once with those
of its {{^name}} sections; a file of methods as the body of the client's class), and the
api_client.py and replay.py that `rae engineer` writes for every fixture app and every HAR of the
corpus compile and pass pyflakes. Only "imported but unused" is let through: the templates import
what some API needs (Iterator for pagination, base64 for bodies that replay sends as bytes).

    py_lint.py RAE OUTDIR
"""
import glob
import os
import py_compile
import re
import shutil
import subprocess
import sys

RAE, OUT = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOWED = ("imported but unused",)
FAILED = []


def fail(what):
    FAILED.append(what)
    print("FAIL " + what)


# A template's holes (src/engineer/pytemplate.c): {{name}}, and the marks {{#name}}, {{^name}},
# {{/name}} of its sections.
HOLE = re.compile(r"\{\{([#^/]?)([a-z0-9_]+)\}\}")


def unholed(text, on):
    """A template as Python to compile: the lines of its {{#name}} sections kept and those of its
    {{^name}} sections dropped (on), or the other way round; a hole standing for whole lines gone,
    each other hole an identifier."""
    lines, keep = [], True
    for line in text.splitlines(keepends=True):
        mark = HOLE.fullmatch(line.rstrip("\n"))
        if mark and mark.group(1) == "/":
            keep = True
        elif mark and mark.group(1):
            keep = (mark.group(1) == "#") == on
        elif keep and not mark:
            lines.append(line)
    return HOLE.sub("hole", "".join(lines))


def templates():
    for path in sorted(glob.glob(os.path.join(ROOT, "src/engineer/py/*.py"))):
        with open(path) as f:
            template = f.read()
        for on in (True, False):
            text = unholed(template, on)
            methods = text.startswith("    ")
            src = os.path.join(OUT, "template-%s-%s" % ("on" if on else "off",
                                                       os.path.basename(path)))
            with open(src, "w") as f:
                f.write("class ApiClient:\n" + text if methods else text)
            try:
                py_compile.compile(src, doraise=True, cfile=src + "c")
            except py_compile.PyCompileError as e:
                fail("%s does not compile (its %s sections kept): %s"
                     % (os.path.relpath(path, ROOT), "{{#name}}" if on else "{{^name}}", e.msg))


def generated():
    hars = sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/*/recorded*.har")))
    hars += sorted(glob.glob(os.path.join(ROOT, "tests/corpus/har/*.har")))
    linted = 0
    for i, har in enumerate(hars):
        out = os.path.join(OUT, "client-%d" % i)
        subprocess.run([RAE, "engineer", har, "-o", out], capture_output=True, timeout=300)
        files = [os.path.join(out, n) for n in ("api_client.py", "replay.py")
                 if os.path.exists(os.path.join(out, n))]
        if not files:
            continue  # a HAR malformed on purpose
        linted += 1
        for f in files:
            try:
                py_compile.compile(f, doraise=True, cfile=f + "c")
            except py_compile.PyCompileError as e:
                fail("%s of %s does not compile: %s" % (os.path.basename(f), har, e.msg))
        p = subprocess.run(["/usr/bin/python3", "-m", "pyflakes"] + files, capture_output=True,
                           text=True)
        for line in (p.stdout + p.stderr).splitlines():
            if line.strip() and not any(a in line for a in ALLOWED):
                fail("pyflakes on the client of %s: %s" % (os.path.relpath(har, ROOT), line))
    print("linted the clients of %d HARs" % linted)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    templates()
    generated()
    print("py_lint: %s" % ("%d failed" % len(FAILED) if FAILED else "all passed"))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

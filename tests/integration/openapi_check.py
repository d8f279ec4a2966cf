#!/usr/bin/python3
"""Checks src/server/openapi.json against the route table of src/server/routes.c: every route
documented, nothing documented that no route serves, sign-in required exactly where the table
says, and the document sane (OpenAPI 3.1, every $ref resolves, every path parameter declared).

    openapi_check.py ROUTES_C OPENAPI_JSON

Prints each problem as "openapi_check: ..." and exits 1; on success prints
"openapi_check: N routes, N operations: ok". Python 3.11 standard library only.
"""
import json
import re
import sys
import urllib.parse

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Documented, though not in the route table: the document itself (public).
EXTRA_OPERATIONS = {("GET", "/api/openapi.json")}

# WebSockets only, served by a WebSocket protocol of server.c (stream.c's "rae-events"), not by
# the route table: documented as a GET with a 101 response.
WEBSOCKET_ONLY = {("GET", "/api/sprite/{}/engineer/stream")}

# A route whose {} segment stands for a few fixed words, each documented as a path of its own.
EXPANSIONS = {
    ("POST", "/api/sprite/{}/browser/{}"): ("navigate", "back", "forward", "reload"),
}


def strip_c_comments(text):
    """text without /* */ and // comments (string and character literals kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_routes(path, problems):
    """[(METHOD, pattern, public)] of the table `static const route routes[] = {...};`."""
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        problems.append("cannot read %s: %s" % (path, e.strerror))
        return []
    text = strip_c_comments(text)
    m = re.search(r"\broute\s+routes\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;", text, re.S)
    if not m:
        problems.append("%s: no route table (static const route routes[] = {...};)" % path)
        return []
    table = m.group(1)
    entry = re.compile(r'\{\s*"([A-Za-z]+)"\s*,\s*"([^"]*)"\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\}')
    routes = []
    for e in entry.finditer(table):
        routes.append((e.group(1).upper(), e.group(2), e.group(3) != "0"))
    leftover = entry.sub("", table).replace(",", "").strip()
    if leftover:
        problems.append("%s: the route table has entries this check cannot read: %s"
                        % (path, " ".join(leftover.split())[:200]))
    if not routes:
        problems.append("%s: the route table is empty" % path)
    seen = set()
    for method, pattern, _ in routes:
        if (method, pattern) in seen:
            problems.append("routes.c: %s %s is in the table twice" % (method, pattern))
        seen.add((method, pattern))
    return routes


def template_key(path):
    """An OpenAPI path template with each {name} segment as {}: the routes.c form."""
    return "/".join("{}" if re.fullmatch(r"\{[^{}/]+\}", seg) else seg
                    for seg in path.split("/"))


def template_names(path):
    return re.findall(r"\{([^{}/]*)\}", path)


def resolve_pointer(doc, ref):
    """The value a local $ref ("#/a/b") points at; raises KeyError when it does not resolve."""
    frag = urllib.parse.unquote(ref[1:])
    if frag == "":
        return doc
    if not frag.startswith("/"):
        raise KeyError(ref)
    node = doc
    for part in frag[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(ref)
    return node


def deref(doc, node, depth=0):
    """node with a $ref followed (as far as it resolves); None when it does not."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 32:
        ref = node["$ref"]
        if not ref.startswith("#"):
            return None
        try:
            node = resolve_pointer(doc, ref)
        except KeyError:
            return None
        depth += 1
    return node


def check_refs(doc, problems):
    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    problems.append("%s: $ref %s is not in this document" % (where, ref))
                else:
                    try:
                        resolve_pointer(doc, ref)
                    except KeyError:
                        problems.append("%s: $ref %s does not resolve" % (where, ref))
            for k, v in node.items():
                walk(v, where + "/" + str(k).replace("~", "~0").replace("/", "~1"))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s/%d" % (where, i))
    walk(doc, "#")


def requires_sign_in(security):
    """True when a security requirement list can be met only by signing in."""
    return isinstance(security, list) and bool(security) and all(
        isinstance(req, dict) and req for req in security)


def check_document(doc, problems):
    """Structural sanity; returns {(METHOD, template key): (path, operation)}."""
    if not isinstance(doc, dict):
        problems.append("the document is not a JSON object")
        return {}
    version = doc.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.1")):
        problems.append("openapi is %r, not 3.1.x" % (version,))
    info = doc.get("info")
    if not (isinstance(info, dict) and isinstance(info.get("title"), str)
            and isinstance(info.get("version"), str)):
        problems.append("info needs a title and a version (strings)")
    check_refs(doc, problems)
    components = doc.get("components") if isinstance(doc.get("components"), dict) else {}
    schemes = components.get("securitySchemes")
    schemes = schemes if isinstance(schemes, dict) else {}
    root_security = doc.get("security")
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        problems.append("paths is missing or not an object")
        return {}
    operations, op_ids = {}, {}
    for path, item in paths.items():
        if not path.startswith("/"):
            problems.append("path %s does not start with /" % path)
        if not isinstance(item, dict):
            problems.append("%s: not a path item object" % path)
            continue
        names = template_names(path)
        if any(not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", n) for n in names):
            problems.append("%s: a path parameter without a proper name" % path)
        for n in set(names):
            if names.count(n) > 1:
                problems.append("%s: path parameter {%s} is in the template twice" % (path, n))
        key = template_key(path)
        if any(k != path and template_key(k) == key for k in paths):
            problems.append("%s: another path has the same template (parameter names aside)"
                            % path)
        item_params = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            o = item[method]
            label = "%s %s" % (method.upper(), path)
            if not isinstance(o, dict):
                problems.append("%s: not an operation object" % label)
                continue
            operations[(method.upper(), key)] = (path, o)
            op_id = o.get("operationId")
            if op_id is not None:
                if op_id in op_ids:
                    problems.append("%s: operationId %s is %s's too" % (label, op_id,
                                                                       op_ids[op_id]))
                op_ids[op_id] = label
            responses = o.get("responses")
            if not isinstance(responses, dict) or not responses:
                problems.append("%s: no responses" % label)
            # path parameters: each in the template declared, each declared in the template
            declared = {}
            for p in list(item_params if isinstance(item_params, list) else []) + list(
                    o.get("parameters", []) if isinstance(o.get("parameters"), list) else []):
                p = deref(doc, p)
                if not isinstance(p, dict):
                    continue  # an unresolved $ref is reported above
                if p.get("in") == "path":
                    declared[p.get("name")] = p
            for n in names:
                if n not in declared:
                    problems.append("%s: path parameter {%s} is not declared" % (label, n))
                elif declared[n].get("required") is not True:
                    problems.append("%s: path parameter {%s} is not required: true"
                                    % (label, n))
            for n in declared:
                if n not in names:
                    problems.append("%s: declares path parameter %s, which is not in the path"
                                    % (label, n))
            security = o.get("security", root_security)
            if security is not None and not isinstance(security, list):
                problems.append("%s: security is not a list" % label)
            for req in security if isinstance(security, list) else []:
                for name in req if isinstance(req, dict) else ():
                    if name not in schemes:
                        problems.append("%s: security scheme %s is not in "
                                        "components.securitySchemes" % (label, name))
    return operations


def main(argv):
    if len(argv) != 3:
        print("usage: openapi_check.py ROUTES_C OPENAPI_JSON", file=sys.stderr)
        return 2
    routes_c, openapi_json = argv[1], argv[2]
    problems = []
    routes = parse_routes(routes_c, problems)
    try:
        with open(openapi_json, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        problems.append("cannot read %s: %s" % (openapi_json, e.strerror))
        doc = None
    except ValueError as e:
        problems.append("%s is not JSON: %s" % (openapi_json, e))
        doc = None
    operations = check_document(doc, problems) if doc is not None else {}

    # what the route table serves, in the document's form:
    # (METHOD, template key) -> (public, the route as routes.c has it)
    served = {}
    for method, pattern, public in routes:
        words = EXPANSIONS.get((method, pattern))
        if words:
            prefix = pattern[:-len("{}")]
            for w in words:
                served[(method, prefix + w)] = (public, "%s %s" % (method, pattern))
        else:
            served[(method, pattern)] = (public, "%s %s" % (method, pattern))

    if doc is not None and routes:  # without the table, a comparison would only add noise
        for (method, key), (public, route) in sorted(served.items()):
            here = "%s %s" % (method, key)
            if here != route:
                here += " (routes.c: %s)" % route
            if (method, key) not in operations:
                problems.append("%s is served but not documented" % here)
                continue
            path, o = operations[(method, key)]
            security = o.get("security", doc.get("security"))
            if public and requires_sign_in(security):
                problems.append("%s %s: public in routes.c, but the document asks for sign-in "
                                "(security)" % (method, path))
            elif not public and not requires_sign_in(security):
                problems.append("%s %s: needs sign-in in routes.c, but the document has no "
                                "security for it" % (method, path))
        for (method, key), (path, o) in sorted(operations.items()):
            if (method, key) in served:
                continue
            security = o.get("security", doc.get("security"))
            if (method, key) in EXTRA_OPERATIONS:
                if requires_sign_in(security):
                    problems.append("%s %s: public, but the document asks for sign-in "
                                    "(security)" % (method, path))
                continue
            if (method, key) in WEBSOCKET_ONLY:
                if "101" not in (o.get("responses") or {}):
                    problems.append("%s %s: a WebSocket, but the document has no 101 response "
                                    "for it" % (method, path))
                if not requires_sign_in(security):
                    problems.append("%s %s: a WebSocket that needs sign-in, but the document "
                                    "has no security for it" % (method, path))
                continue
            expanded = [(rm, rp) for rm, rp in EXPANSIONS if rm == method and rp == key]
            if expanded:
                words = ", .../".join(EXPANSIONS[expanded[0]])
                problems.append("%s %s: routes.c's %s %s is to be documented as the paths "
                                ".../%s, not as a template" % (method, path, method, key, words))
            else:
                problems.append("%s %s is documented but not served: routes.c has no %s %s"
                                % (method, path, method, key))

    for p in problems:
        print("openapi_check: " + p)
    if problems:
        return 1
    print("openapi_check: %d routes, %d operations: ok" % (len(routes), len(operations)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

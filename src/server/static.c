/* The web app's files (http.h: srv_static): built into the binary (assets.h), or read from
 * --web-root DIR while developing. The app's own routes (/login, /sprite/ID, ...: a last segment
 * without a dot) get index.html. Hashed files under /assets/ may be cached for good; the rest is
 * revalidated. */
#include "util/assets.h"
#include "server/http.h"
#include "server/server.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMMUTABLE "public, max-age=31536000, immutable"
#define WEB_FILE_MAX (64 << 20)

/* What the page may load: only from here (Monaco sets inline styles, noVNC and the run stream
 * use WebSockets, Monaco's worker comes from a blob in some builds). */
static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

static const char NO_APP[] =
    "<!doctype html><meta charset=utf-8><title>rae</title>"
    "<p>rae serve is running, but this build has no web app (it was built without Node.js). "
    "Build it with <code>make</code> on a machine with Node.js, or use the API: see "
    "<code>docs/api.md</code> and <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>";

/* A path of the app itself rather than of a file: its last segment has no dot. */
static int app_route(const char *path) {
    const char *last = strrchr(path, '/');
    return !strchr(last ? last : path, '.');
}

static void headers_for(srv_req *r, const char *path, const char *type) {
    r->resp_cache = strncmp(path, "/assets/", 8) == 0 ? IMMUTABLE : "no-cache";
    if (strncmp(type, "text/html", 9) == 0) {
        srv_header(r, "Content-Security-Policy", CSP);
        srv_header(r, "X-Frame-Options", "DENY");
        srv_header(r, "Referrer-Policy", "same-origin");
    }
}

static const char *type_of(const char *path) {
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".wasm", "application/wasm"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i][0]) == 0) return types[i][1];
    return "application/octet-stream";
}

/* --web-root: the file under root (no way out of it), read whole; 0 when served. */
static int from_disk(srv_req *r, const char *root, const char *path) {
    char full[PATH_MAX], real[PATH_MAX], real_root[PATH_MAX];
    snprintf(full, sizeof full, "%s%s", root, path);
    if (!realpath(root, real_root) || !realpath(full, real)) return -1;
    size_t n = strlen(real_root);
    if (strncmp(real, real_root, n) != 0 || (real[n] != '/' && real[n])) return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_FILE_MAX) {
        if (fd >= 0) close(fd);
        return -1;
    }
    char *data = malloc((size_t)st.st_size + 1);
    if (!data) abort();
    ssize_t got = read(fd, data, (size_t)st.st_size);
    close(fd);
    if (got == st.st_size) {
        srv_respond(r, 200, type_of(path), data, (size_t)got);
        headers_for(r, path, type_of(path));
    }
    free(data);
    return got == st.st_size ? 0 : -1;
}

/* The gzip copy of a (built beside it, NAME.gz) when the client takes gzip, else NULL. */
static const asset *gzipped(const srv_req *r, const asset *a) {
    char gz[1024];
    if (!strstr(r->accept_encoding, "gzip")) return NULL;
    snprintf(gz, sizeof gz, "%s.gz", a->path);
    return asset_find(gz);
}

void srv_static(srv_req *r) {
    const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
    const char *root = r->server->o->web_root;
    if (strstr(path, "/..")) {
        srv_error(r, 400, "bad_path", "no '..' in paths");
        return;
    }
    if (root) {
        if (from_disk(r, root, path) == 0 ||
            (app_route(path) && from_disk(r, root, "/index.html") == 0))
            return;
        srv_error(r, 404, "not_found", "no file %s under %s", path, root);
        return;
    }
    const asset *a = asset_find(path);
    if (!a && app_route(path)) a = asset_find("/index.html");
    if (a) {
        const asset *gz = gzipped(r, a);
        const asset *sent = gz ? gz : a;
        srv_respond_static(r, 200, type_of(a->path), sent->data, (size_t)(sent->end - sent->data));
        headers_for(r, path, type_of(a->path));
        srv_header(r, "Vary", "Accept-Encoding");
        if (gz) srv_header(r, "Content-Encoding", "gzip");
    } else if (app_route(path)) { /* no web app in this build */
        srv_respond(r, 200, "text/html; charset=utf-8", NO_APP, sizeof NO_APP - 1);
    } else {
        srv_error(r, 404, "not_found", "no file %s", path);
    }
}

/* What rae serve parses of a request itself, lws having parsed the HTTP framing: pure functions
 * of strings (api.h, http.h), kept apart from lws and the store so that tests/fuzz/fuzz_http.c
 * runs them alone. */
#include "server/api.h"
#include "util/url.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int api_cookie_value(const char *header, const char *name, char *out, size_t n) {
    size_t len = strlen(name);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t part = strcspn(p, ";");
        if (part > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            snprintf(out, n, "%.*s", (int)(part - len - 1), p + len + 1);
            return 0;
        }
        p += part;
    }
    return -1;
}

int api_origin_ok(const srv_req *r) {
    if (!r->origin[0]) return 0;
    const char *o = strstr(r->origin, "://");
    if (o && r->host[0] && strcasecmp(o + 3, r->host) == 0) return 0;
    size_t n = strlen(r->origin); /* --public-url may end with a slash */
    const char *pub = r->server->public_url;
    return strncasecmp(r->origin, pub, n) == 0 && (!pub[n] || strcmp(pub + n, "/") == 0) ? 0 : -1;
}

int api_route_match(const char *pattern, const char *path, char args[][128]) {
    int k = 0;
    while (*pattern && *path) {
        if (strncmp(pattern, "{}", 2) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= 128 || k >= 4) return 0;
            snprintf(args[k++], 128, "%.*s", (int)n, path);
            path += n;
            pattern += 2;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return !*pattern && !*path;
}

int api_is_json(const char *content_type) {
    const char *t = content_type;
    size_t n = strlen("application/json");
    return strncasecmp(t, "application/json", n) == 0 && (!t[n] || t[n] == ';' || t[n] == ' ');
}

int api_sprite_of(const char *path, const char *suffix, char *id, size_t n) {
    const char *prefix = "/api/sprite/";
    size_t lp = strlen(prefix), ls = strlen(suffix), len = strlen(path);
    if (len <= lp + ls || strncmp(path, prefix, lp) != 0 || strcmp(path + len - ls, suffix) != 0)
        return -1;
    size_t idlen = len - lp - ls;
    if (idlen >= n || memchr(path + lp, '/', idlen)) return -1;
    snprintf(id, n, "%.*s", (int)idlen, path + lp);
    return 0;
}

int srv_query(const srv_req *r, const char *name, char *out, size_t n) {
    size_t len = strlen(name);
    for (const char *p = r->query; *p;) {
        size_t part = strcspn(p, "&");
        if (part > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            arena *a = arena_new();
            snprintf(out, n, "%s", url_decode(a, p + len + 1, part - len - 1, 1));
            arena_free(a);
            return 0;
        }
        p += part + (p[part] == '&');
    }
    return -1;
}

#include "util/url.h"
#include "util/text.h"

#include <ctype.h>
#include <string.h>

static char *lower(arena *a, const char *s, size_t n) {
    char *p = arena_strndup(a, s, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)tolower((unsigned char)p[i]);
    return p;
}

static int default_port(const char *scheme, const char *port) {
    return (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
           (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0) ||
           (strcmp(scheme, "ws") == 0 && strcmp(port, "80") == 0) ||
           (strcmp(scheme, "wss") == 0 && strcmp(port, "443") == 0);
}

int url_parse(arena *a, const char *url, url_parts *out) {
    const char *colon = strchr(url, ':');
    memset(out, 0, sizeof *out);
    if (!colon || colon == url) return -1;
    for (const char *p = url; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.') return -1;
    out->scheme = lower(a, url, (size_t)(colon - url));
    const char *rest = colon + 1;
    out->host = out->port = "";
    if (rest[0] == '/' && rest[1] == '/') {
        rest += 2;
        size_t alen = strcspn(rest, "/?#");
        const char *auth = rest, *at = memchr(auth, '@', alen);
        if (at) { /* drop userinfo */
            alen -= (size_t)(at + 1 - auth);
            auth = at + 1;
        }
        const char *host_end = auth + alen, *port = NULL;
        if (auth[0] == '[') {
            const char *rb = memchr(auth, ']', alen);
            if (rb) {
                out->host = lower(a, auth + 1, (size_t)(rb - auth - 1));
                if (rb + 1 < host_end && rb[1] == ':') port = rb + 2;
            }
        } else {
            const char *pc = memchr(auth, ':', alen);
            out->host = lower(a, auth, (size_t)((pc ? pc : host_end) - auth));
            if (pc) port = pc + 1;
        }
        if (port) out->port = arena_strndup(a, port, (size_t)(host_end - port));
        if (default_port(out->scheme, out->port)) out->port = "";
        rest = host_end;
    }
    size_t plen = strcspn(rest, "?#");
    out->path = plen ? arena_strndup(a, rest, plen) : "/";
    rest += plen;
    if (*rest == '?') {
        size_t qlen = strcspn(rest + 1, "#");
        out->query = arena_strndup(a, rest + 1, qlen);
    } else {
        out->query = "";
    }
    int v6 = strchr(out->host, ':') != NULL;
    /* scheme://[host]:port without printf: this runs for every entry. */
    size_t sl = strlen(out->scheme), hl = strlen(out->host), pl = strlen(out->port);
    char *o = arena_alloc(a, sl + hl + pl + 8), *w = o;
    memcpy(w, out->scheme, sl);
    w += sl;
    memcpy(w, "://", 3);
    w += 3;
    if (v6) *w++ = '[';
    memcpy(w, out->host, hl);
    w += hl;
    if (v6) *w++ = ']';
    if (pl) {
        *w++ = ':';
        memcpy(w, out->port, pl);
        w += pl;
    }
    *w = '\0';
    out->origin = o;
    return 0;
}

char *url_decode(arena *a, const char *s, size_t n, int form) {
    char *out = arena_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && text_hex_digit(s[i + 1]) >= 0 &&
            text_hex_digit(s[i + 2]) >= 0) {
            out[j++] = (char)(text_hex_digit(s[i + 1]) * 16 + text_hex_digit(s[i + 2]));
            i += 2;
        } else if (form && s[i] == '+') {
            out[j++] = ' ';
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

har_pairs url_split_query(arena *a, const char *query, size_t n) {
    har_pairs out = {NULL, 0};
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += query[i] == '&';
    out.items = arena_alloc(a, count * sizeof *out.items);
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && query[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(query + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - query - i) : end - i;
            har_pair *p = &out.items[out.n++];
            p->name = url_decode(a, query + i, klen, 1);
            p->value = eq ? url_decode(a, eq + 1, (size_t)(query + end - eq - 1), 1) : "";
        }
        i = end + 1;
    }
    return out;
}

char *url_encode(arena *a, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(a, n * 3 + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

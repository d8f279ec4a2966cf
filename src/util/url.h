/* url: split absolute URLs and percent-decode their parts. Results live in the caller's arena. */
#ifndef RAE_UTIL_URL_H
#define RAE_UTIL_URL_H

#include <stddef.h>

#include "rae/arena.h"
#include "rae/har.h"

typedef struct url_parts {
    const char *scheme; /* lowercased: "http", "https", "ws", "data", ... */
    const char *host;   /* lowercased, no port, no brackets for IPv6; "" when none */
    const char *port;   /* "" when default or absent */
    const char *origin; /* scheme://host[:port] */
    const char *path;   /* raw, "/" when empty */
    const char *query;  /* raw, after '?', "" when none */
} url_parts;

/* 0 on success; -1 when url has no scheme. */
int url_parse(arena *a, const char *url, url_parts *out);
/* Percent-decodes s[0..n) ('+' as space when form is set). */
char *url_decode(arena *a, const char *s, size_t n, int form);
/* Splits a raw query (or a form body) into decoded name/value pairs. */
har_pairs url_split_query(arena *a, const char *query, size_t n);
/* Percent-encodes for a path segment or query value (unreserved characters kept). */
char *url_encode(arena *a, const char *s);

#endif

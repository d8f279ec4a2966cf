/* libFuzzer target for what rae serve parses of a request itself (lws parses the HTTP framing):
 * the route match and the sprite id of a WebSocket path, the query, the session cookie, the
 * Content-Type, the origin check, X-Forwarded-For behind trusted proxies, and the UTF-8 scrub of
 * error messages. The input is lines: path, query, Cookie, Content-Type, Origin, Host,
 * X-Forwarded-For, the peer's address. The whole input is also a request's head as the door
 * reads it off the socket (head.h), and as rae gateway reads it (ai/gateway.h). Replayed by ctest
 * (fuzz/http_replay) over tests/fuzz/seeds-http. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ai/gateway.h"
#include "server/api.h"
#include "server/head.h"
#include "server/proxy.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_PATH, F_QUERY, F_COOKIE, F_TYPE, F_ORIGIN, F_HOST, F_XFF, F_PEER, F_COUNT };

/* Line i of data into out (NUL-terminated, cut at n - 1). */
static void field(const uint8_t *data, size_t size, int i, char *out, size_t n) {
    size_t at = 0;
    for (int k = 0; k < i && at < size; k++) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        at = nl ? (size_t)(nl - data) + 1 : size;
    }
    size_t len = 0;
    while (at + len < size && data[at + len] != '\n' && len + 1 < n)
        len++;
    memcpy(out, data + at, len);
    out[len] = 0;
}

static void routes(const srv_req *r) {
    static const char *const patterns[] = {
        "/api/sprite/{}", "/api/sprite/{}/files", "/api/sprite/{}/browser/{}",
        "/api/sprite/{}/checkpoint/{}/restore", "/api/sprite/{}/engineer/run/{}"};
    char args[4][128], id[128], value[256];
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++)
        api_route_match(patterns[i], r->path, args);
    api_sprite_of(r->path, "/browser/vnc", id, sizeof id);
    api_sprite_of(r->path, "/engineer/stream", id, sizeof id);
    srv_query(r, "path", value, sizeof value);
    srv_query(r, "run", value, sizeof value);
    api_cookie_value(r->cookie, "rae_session", value, sizeof value);
    api_is_json(r->content_type);
    api_origin_ok(r);
}

/* The door's checks of data as a request's head: a refusal is a 4xx with a sentence. */
/* rae gateway's reading of data as a request's head: a path and a length within bounds. */
static void gateway_head(const uint8_t *data, size_t size) {
    char text[16384], path[256];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    long length = 0;
    int rc = ai_gateway_head(text, path, sizeof path, &length);
    if (rc == 0 && (length < 0 || (unsigned long)length > AI_GATEWAY_BODY_MAX)) __builtin_trap();
    if (rc != 0 && rc != 405 && rc != 411) __builtin_trap();
}

static void head(const uint8_t *data, size_t size) {
    srv_head_refusal why;
    const char *h = (const char *)data;
    size_t end = srv_head_end(h, size, 0), half = size / 2;
    if (end > size) __builtin_trap();
    /* as it comes: no end in its first half, then asked from there, the same end */
    if (srv_head_end(h, half, 0) == 0 && srv_head_end(h, size, half) != end) __builtin_trap();
    if (srv_head_check((const char *)data, end ? end : size, &why) < 0 &&
        (why.status < 400 || why.status > 499 || !why.message[0] || !why.code[0]))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const nets[] = {"127.0.0.0/8", "10.0.0.0/8", "fd00::/8", "192.0.2.7"};
    head(data, size);
    gateway_head(data, size);
    srv s;
    srv_req r;
    memset(&s, 0, sizeof s);
    memset(&r, 0, sizeof r);
    snprintf(s.public_url, sizeof s.public_url, "https://rae.example.com/");
    if (srv_proxies_parse(&s.proxies, nets, 4, NULL) < 0) return 0;
    r.server = &s;
    char xff[2048], peer[64];
    field(data, size, F_PATH, r.path, sizeof r.path);
    field(data, size, F_QUERY, r.query, sizeof r.query);
    field(data, size, F_COOKIE, r.cookie, sizeof r.cookie);
    field(data, size, F_TYPE, r.content_type, sizeof r.content_type);
    field(data, size, F_ORIGIN, r.origin, sizeof r.origin);
    field(data, size, F_HOST, r.host, sizeof r.host);
    field(data, size, F_XFF, xff, sizeof xff);
    field(data, size, F_PEER, peer, sizeof peer);
    routes(&r);
    srv_proxies_client(&s.proxies, peer, xff, r.peer, sizeof r.peer);
    char msg[512];
    if (snprintf(msg, sizeof msg, "%s %s %s", r.path, r.query, xff) < 0) return 0; /* cut: fine */
    text_utf8_scrub(msg);
    if (!text_utf8_valid(msg, strlen(msg))) __builtin_trap(); /* a scrubbed message is UTF-8 */
    return 0;
}

/* WebSockets (ws.h): which path speaks which subprotocol, the check of an upgrade before it
 * happens (so that a refusal is an HTTP status with a JSON error, never a bare hang-up), and the
 * connections that name no subprotocol (Python's websockets, websocat, Node's ws without one),
 * which lws binds to the server's first protocol, the HTTP one: those are handed on by their
 * path to the display relay or a run's stream, in a slot of the HTTP protocol's per-connection
 * memory. */
#include "server/ws.h"
#include "server/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ws_kind { WS_NONE, WS_VNC, WS_STREAM };

static const struct {
    const char *suffix, *protocol, *what;
} kinds[] = {{"", "", ""},
             {"/browser/vnc", "binary", "the sprite's display"},
             {"/engineer/stream", "rae-events", "a run's events"}};

/* Where the handler's state lies in the HTTP protocol's per-connection memory. */
#define SLOT_OFFSET 64

typedef struct ws_slot {
    enum ws_kind kind;
} ws_slot;

static enum ws_kind kind_of(const char *path) {
    char id[128];
    for (int k = WS_VNC; k <= WS_STREAM; k++)
        if (api_sprite_of(path, kinds[k].suffix, id, sizeof id) == 0) return (enum ws_kind)k;
    return WS_NONE;
}

/* The subprotocol lws will pick from the client's list (the first it serves), into out: "" when
 * the client names none; -1 when it names only ones this server does not serve. */
static int picked(struct lws *wsi, char *out, size_t n) {
    char list[256];
    out[0] = 0;
    if (lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL) <= 0) return 0;
    for (char *save, *t = strtok_r(list, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
        for (int k = WS_VNC; k <= WS_STREAM; k++)
            if (strcmp(t, kinds[k].protocol) == 0) {
                snprintf(out, n, "%s", t);
                return 0;
            }
    return -1;
}

static int confirm(struct lws *wsi, srv_req *r) {
    char uri[1024], proto[32], id[128];
    caller c;
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0) uri[0] = 0;
    srv_req_init(r, wsi, uri);
    enum ws_kind k = kind_of(r->path);
    int known = picked(wsi, proto, sizeof proto);
    if (k == WS_NONE) {
        srv_error(r, 404, "not_found",
                  "no WebSocket at %s: /api/sprite/ID/browser/vnc and "
                  "/api/sprite/ID/engineer/stream?run=ID are",
                  r->path);
    } else if (known < 0 || (*proto && strcmp(proto, kinds[k].protocol) != 0)) {
        srv_error(r, 400, "bad_subprotocol",
                  "%s speaks '%s' (%s), or no subprotocol at all; this server serves 'binary' "
                  "and 'rae-events'",
                  r->path, kinds[k].protocol, kinds[k].what);
    } else {
        srv_req_release(r);
        int ok = k == WS_STREAM ? srv_stream_check(wsi, r)
                                : api_ws_admit(wsi, kinds[k].suffix, r, &c, id, sizeof id);
        if (ok == 0) {
            srv_req_release(r);
            return 0; /* the upgrade goes on */
        }
    }
    int rc = srv_respond_now(r);
    srv_req_release(r);
    return rc < 0 ? -1 : 1; /* 1: lws ends the transaction after the answer written */
}

int srv_ws_confirm(struct lws *wsi) {
    srv_req *r = calloc(1, sizeof *r); /* the connection has no memory of its own yet */
    if (!r) abort();
    int rc = confirm(wsi, r);
    free(r);
    return rc;
}

const char *srv_ws_at(const char *path) {
    enum ws_kind k = kind_of(path);
    return k == WS_NONE ? NULL : kinds[k].what;
}

size_t srv_ws_slot_size(void) {
    size_t vnc = srv_vnc_session_size(), stream = srv_stream_session_size();
    return SLOT_OFFSET + (vnc > stream ? vnc : stream);
}

int srv_ws_slot_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len) {
    ws_slot *slot = user;
    void *state = (char *)user + SLOT_OFFSET;
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) {
        char uri[1024];
        if (!slot || lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0) return -1;
        memset(user, 0, srv_ws_slot_size());
        slot->kind = kind_of(uri);
        if (slot->kind == WS_NONE) return -1; /* srv_ws_confirm answered already */
    }
    if (!slot) return 0;
    switch (slot->kind) {
    case WS_VNC:
        return srv_vnc_callback(wsi, reason, state, in, len);
    case WS_STREAM:
        return srv_stream_callback(wsi, reason, state, in, len);
    default:
        return 0;
    }
}

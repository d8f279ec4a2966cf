/* WebSockets of rae serve (ws.c): the display relay (/api/sprite/ID/browser/vnc, subprotocol
 * "binary") and a run's events (/api/sprite/ID/engineer/stream?run=ID, "rae-events"), each also
 * open to a client that names no subprotocol. */
#ifndef RAE_SERVER_WS_H
#define RAE_SERVER_WS_H

#include "server/api.h"

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 when the upgrade of r's connection may go on; else the
 * refusal (404 no such WebSocket, 400 a subprotocol the path does not speak, 403, 401, 404 not
 * the caller's) was written as the response, and 1 (-1: the connection is to be dropped). */
int srv_ws_confirm(struct lws *wsi);
/* What the WebSocket at path serves ("a run's events"), or NULL when there is none. */
const char *srv_ws_at(const char *path);
/* The per-connection memory a connection without a subprotocol needs in the HTTP protocol. */
size_t srv_ws_slot_size(void);
/* The WebSocket callbacks of such a connection (bound to the HTTP protocol): handed on by path. */
int srv_ws_slot_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);

#endif

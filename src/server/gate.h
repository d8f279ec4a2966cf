/* The door of rae serve: without TLS, rae listens itself and reads each new connection's first
 * request head (peeking, so nothing is taken from the socket) before libwebsockets sees it. What
 * lws 4.1 would drop without a word, answer in HTML, or route elsewhere (head.h) gets a status and
 * a JSON error here; a head that does not come within SRV_GATE_WAIT_S gets 408; every other
 * connection is handed to lws as it is (lws_adopt_socket_vhost), counted as before (conns.h).
 * Later requests on a kept-alive connection are read by lws alone (docs/architecture.md). */
#ifndef RAE_SERVER_GATE_H
#define RAE_SERVER_GATE_H

#include <libwebsockets.h>
#include <stddef.h>

#include "rae/err.h"

#define SRV_GATE_WAIT_S 10 /* for a new connection's first request head */

struct srv;
typedef struct srv_gate srv_gate;

/* Listens on host (an IPv4 address, or the name of an interface here) and port (0: a free one),
 * before lws is set up (so that a port taken costs nothing to undo); NULL and err when it cannot.
 * Caller frees it with srv_gate_free (once the loop has run out, when it was started). */
srv_gate *srv_gate_open(struct srv *s, const char *host, int port, rae_err *err);
/* Starts taking connections on s's loop, handing them to vh; -1 and err when it cannot (then
 * free it). Caller stops it with srv_gate_close. */
int srv_gate_start(srv_gate *g, struct lws_vhost *vh, rae_err *err);
/* The port it listens on. */
int srv_gate_port(const srv_gate *g);
/* Stops listening and closes the connections still at the door (the server stops). */
void srv_gate_close(srv_gate *g);
void srv_gate_free(srv_gate *g);

#endif

/* The server's connections counted per client address and in all, so that no one address (and
 * no crowd) holds more than its share of the memory and descriptors a connection takes: a
 * connection beyond a cap gets a one-line 503 and is closed before lws reads from it. A
 * connection is told of in three steps, all on the loop: the accept (the address known, no wsi
 * yet), the new wsi (right after, in the same call), and its end; rae's door (gate.c) counts a
 * connection under its own key while it reads the first head, then moves it to the wsi. */
#ifndef RAE_SERVER_CONNS_H
#define RAE_SERVER_CONNS_H

#include <stddef.h>

#define SRV_CONNS_MAX 1024    /* connections in all */
#define SRV_CONNS_PER_PEER 64 /* from one address (not for trusted proxies: a crowd is behind) */

typedef struct srv_conns srv_conns;

/* Caller frees with srv_conns_free. */
srv_conns *srv_conns_new(void);
void srv_conns_free(srv_conns *c);
/* A connection from addr was accepted: 0 when it may stay (it is then counted when its wsi comes),
 * else -1 with why (a short sentence) and nothing counted. unlimited_peer: no per-address cap. */
int srv_conns_accept(srv_conns *c, const char *addr, int unlimited_peer, const char **why);
/* The wsi lws made for the connection just accepted (others are not counted). */
void srv_conns_created(srv_conns *c, const void *wsi);
/* The connection counted under key from is handed to lws: it is counted under the wsi that
 * srv_conns_created names next, in the same call (gate.c; key NULL: forget the hand-over). */
void srv_conns_move(srv_conns *c, const void *from);
/* The one-line 503 for a connection refused with why, into out (a whole HTTP response); its
 * length. */
int srv_conns_busy_response(const char *why, char *out, size_t n);
/* The wsi ended: its address counts one less. */
void srv_conns_destroyed(srv_conns *c, const void *wsi);
/* Connections now, in all and from addr. */
size_t srv_conns_total(const srv_conns *c);
size_t srv_conns_of(const srv_conns *c, const char *addr);

#endif

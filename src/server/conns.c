/* Connection counts (conns.h): a table of the live connections (wsi -> address) and the count per
 * address, both small linear-probing hash tables of fixed size (the caps bound what they hold). */
#include "server/conns.h"
#include "util/map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (2 * SRV_CONNS_MAX) /* a power of two, at most half full */
#define ADDR_MAX 64

typedef struct peer {
    char addr[ADDR_MAX]; /* "" free */
    size_t count;
} peer;

typedef struct conn {
    const void *wsi; /* NULL free */
    char addr[ADDR_MAX];
} conn;

struct srv_conns {
    conn conns[SLOTS];
    peer peers[SLOTS];
    size_t total;
    char accepting[ADDR_MAX]; /* the address just accepted, until its wsi comes */
};

srv_conns *srv_conns_new(void) {
    srv_conns *c = calloc(1, sizeof *c);
    if (!c) abort();
    return c;
}

void srv_conns_free(srv_conns *c) {
    free(c);
}

/* The slot of addr in peers: where it is, or the free one where it would go. */
static size_t peer_slot(const srv_conns *c, const char *addr) {
    size_t i = rae_hash(addr, strlen(addr)) & (SLOTS - 1);
    while (c->peers[i].addr[0] && strcmp(c->peers[i].addr, addr) != 0)
        i = (i + 1) & (SLOTS - 1);
    return i;
}

static size_t conn_slot(const srv_conns *c, const void *wsi) {
    size_t i = rae_hash(&wsi, sizeof wsi) & (SLOTS - 1);
    while (c->conns[i].wsi && c->conns[i].wsi != wsi)
        i = (i + 1) & (SLOTS - 1);
    return i;
}

size_t srv_conns_total(const srv_conns *c) {
    return c->total;
}

size_t srv_conns_of(const srv_conns *c, const char *addr) {
    const peer *p = &c->peers[peer_slot(c, addr)];
    return p->addr[0] ? p->count : 0;
}

int srv_conns_accept(srv_conns *c, const char *addr, int unlimited_peer, const char **why) {
    c->accepting[0] = 0;
    if (c->total >= SRV_CONNS_MAX) {
        *why = "the server has as many connections as it takes: try again later";
        return -1;
    }
    if (!unlimited_peer && srv_conns_of(c, addr) >= SRV_CONNS_PER_PEER) {
        *why = "too many connections from your address: close some and try again";
        return -1;
    }
    snprintf(c->accepting, sizeof c->accepting, "%s", addr);
    return 0;
}

void srv_conns_created(srv_conns *c, const void *wsi) {
    if (!c->accepting[0]) return; /* a listener, or a wsi that is not a client's */
    size_t p = peer_slot(c, c->accepting);
    if (!c->peers[p].addr[0]) memcpy(c->peers[p].addr, c->accepting, ADDR_MAX);
    c->peers[p].count++;
    conn *k = &c->conns[conn_slot(c, wsi)];
    k->wsi = wsi;
    memcpy(k->addr, c->accepting, ADDR_MAX);
    c->total++;
    c->accepting[0] = 0;
}

void srv_conns_move(srv_conns *c, const void *from) {
    c->accepting[0] = 0;
    if (!from) return;
    size_t k = conn_slot(c, from);
    if (!c->conns[k].wsi) return;
    char addr[ADDR_MAX];
    memcpy(addr, c->conns[k].addr, ADDR_MAX);
    srv_conns_destroyed(c, from);
    memcpy(c->accepting, addr, ADDR_MAX);
}

int srv_conns_busy_response(const char *why, char *out, size_t n) {
    char body[256];
    int len =
        snprintf(body, sizeof body, "{\"error\":{\"code\":\"busy\",\"message\":\"%s\"}}", why);
    return snprintf(out, n,
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nRetry-After: 5\r\nConnection: close\r\n\r\n%s",
                    len, body);
}

/* Linear probing: once a slot is freed, the entries after it move to where they now belong. */
static void conn_remove(srv_conns *c, size_t i) {
    c->conns[i].wsi = NULL;
    for (size_t j = (i + 1) & (SLOTS - 1); c->conns[j].wsi; j = (j + 1) & (SLOTS - 1)) {
        conn moved = c->conns[j];
        c->conns[j].wsi = NULL;
        c->conns[conn_slot(c, moved.wsi)] = moved;
    }
}

static void peer_remove(srv_conns *c, size_t i) {
    c->peers[i].addr[0] = 0;
    for (size_t j = (i + 1) & (SLOTS - 1); c->peers[j].addr[0]; j = (j + 1) & (SLOTS - 1)) {
        peer moved = c->peers[j];
        c->peers[j].addr[0] = 0;
        c->peers[peer_slot(c, moved.addr)] = moved;
    }
}

void srv_conns_destroyed(srv_conns *c, const void *wsi) {
    size_t k = conn_slot(c, wsi);
    if (!c->conns[k].wsi) return;
    size_t p = peer_slot(c, c->conns[k].addr);
    if (c->peers[p].addr[0] && --c->peers[p].count == 0) peer_remove(c, p);
    conn_remove(c, k);
    c->total--;
}

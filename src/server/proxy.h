/* Trusted reverse proxies (rae serve --trusted-proxy): the address of the client is the peer's,
 * unless the peer is a proxy the operator named; then it is the right-most address of
 * X-Forwarded-For that is not a trusted proxy. Throttling and the limits per address key on it:
 * behind a proxy the peer is always the proxy, and trusting the header from anyone would let a
 * client pick the address it is counted as. */
#ifndef RAE_SERVER_PROXY_H
#define RAE_SERVER_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "rae/err.h"

#define SRV_PROXIES_MAX 16

typedef struct srv_net {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order */
    int bits;         /* prefix length */
} srv_net;

typedef struct srv_proxies {
    srv_net nets[SRV_PROXIES_MAX];
    size_t n;
} srv_proxies;

/* Parses each "ADDR" or "ADDR/BITS" (IPv4 or IPv6) into p; -1 + err naming the bad one. */
int srv_proxies_parse(srv_proxies *p, const char *const *specs, size_t n, rae_err *err);
/* 1 when the textual address addr is in one of p's networks. */
int srv_proxies_trust(const srv_proxies *p, const char *addr);
/* The client's address into out (size n): peer, or when peer is trusted the right-most entry of
 * forwarded (an X-Forwarded-For value, may be "") that is not trusted, or its left-most entry
 * when all are trusted. */
void srv_proxies_client(const srv_proxies *p, const char *peer, const char *forwarded, char *out,
                        size_t n);

#endif

/* Trusted proxies (proxy.h). */
#include "server/proxy.h"
#include "rae/err.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* addr (no prefix) into a network of all its bits; -1 when it is not an address. */
static int parse_addr(const char *addr, srv_net *net) {
    memset(net, 0, sizeof *net);
    if (inet_pton(AF_INET, addr, net->addr) == 1) {
        net->family = AF_INET;
        net->bits = 32;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, net->addr) == 1) {
        net->family = AF_INET6;
        net->bits = 128;
        return 0;
    }
    return -1;
}

/* One "ADDR" or "ADDR/BITS" into net; -1 when it is neither. */
static int parse_net(const char *spec, srv_net *net) {
    char addr[64];
    const char *slash = strchr(spec, '/');
    size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
    if (len >= sizeof addr) return -1;
    snprintf(addr, sizeof addr, "%.*s", (int)len, spec);
    if (parse_addr(addr, net) < 0) return -1;
    if (!slash) return 0;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (!slash[1] || *end || bits < 0 || bits > net->bits) return -1;
    net->bits = (int)bits;
    return 0;
}

int srv_proxies_parse(srv_proxies *p, const char *const *specs, size_t n, rae_err *err) {
    memset(p, 0, sizeof *p);
    if (n > SRV_PROXIES_MAX)
        return rae_err_set(err, RAE_E_INVALID, "--trusted-proxy: at most %d of them",
                           SRV_PROXIES_MAX);
    for (; p->n < n; p->n++)
        if (parse_net(specs[p->n], &p->nets[p->n]) < 0)
            return rae_err_set(err, RAE_E_INVALID,
                               "--trusted-proxy wants an address or ADDRESS/BITS (e.g. 10.0.0.5 or "
                               "10.0.0.0/8), not '%s'",
                               specs[p->n]);
    return 0;
}

static int in_net(const srv_net *net, const srv_net *a) {
    if (net->family != a->family) return 0;
    int full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->addr, a->addr, (size_t)full) != 0) return 0;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return !rest || (net->addr[full] & mask) == (a->addr[full] & mask);
}

int srv_proxies_trust(const srv_proxies *p, const char *addr) {
    srv_net a;
    if (!p->n || parse_addr(addr, &a) < 0) return 0;
    for (size_t i = 0; i < p->n; i++)
        if (in_net(&p->nets[i], &a)) return 1;
    return 0;
}

/* The entry of the list s[0..len) ending at end (exclusive), trimmed, into out. */
static void entry_before(const char *s, const char *end, char *out, size_t n, const char **start) {
    const char *b = end;
    while (b > s && b[-1] != ',')
        b--;
    *start = b;
    while (b < end && (*b == ' ' || *b == '\t'))
        b++;
    const char *e = end;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    snprintf(out, n, "%.*s", (int)(e - b), b);
}

void srv_proxies_client(const srv_proxies *p, const char *peer, const char *forwarded, char *out,
                        size_t n) {
    snprintf(out, n, "%s", peer);
    if (!srv_proxies_trust(p, peer) || !forwarded || !*forwarded) return;
    const char *end = forwarded + strlen(forwarded), *start;
    char entry[64];
    while (end > forwarded) {
        entry_before(forwarded, end, entry, sizeof entry, &start);
        srv_net a;
        if (parse_addr(entry, &a) < 0) return; /* not an address: stop at what we know */
        snprintf(out, n, "%s", entry);
        if (!srv_proxies_trust(p, entry)) return;
        end = start > forwarded ? start - 1 : forwarded;
    }
}

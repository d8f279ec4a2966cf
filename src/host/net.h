/* sprite/net: the network of a sprite. Each sprite's processes run in a named network namespace,
 * /run/netns/rae-NAME, that this module sets up: pasta (from passt) gives it outbound access
 * through the host's sockets, and an nftables table inside it (inet rae_guard) rejects what a
 * sprite must not reach: the host's loopback, the gateway, private, link-local, multicast and
 * reserved ranges, and the host's own addresses. Entries of an allow list open a HOST:PORT through
 * that guard; an allowed 127.0.0.1/localhost port is forwarded by pasta to the same port on the
 * host's loopback. Inside: lo, eth0 SNET_ADDR/24, default route via SNET_GATEWAY, DNS at SNET_DNS
 * (UDP 53, forwarded by pasta to the host's first resolver). Needs root, ip (iproute2), pasta
 * (passt) and nft (nftables). See docs/sprite-network.md. */
#ifndef RAE_HOST_NET_H
#define RAE_HOST_NET_H

#include <stddef.h>

#include "rae/err.h"

#define SNET_NAME_MAX 40         /* a namespace name is "rae-" + 1..40 of [a-z0-9-] */
#define SNET_ADDR "192.0.2.2"    /* the sprite's own IPv4 address (eth0, /24) */
#define SNET_GATEWAY "192.0.2.1" /* its default gateway; rejected but for DNS */
#define SNET_DNS "192.0.2.1"     /* the nameserver for the sprite's /etc/resolv.conf */

typedef struct host_net_allow {
    char host[256]; /* an IPv4 or IPv6 address (without brackets) or a host name */
    int port;       /* 1..65535 */
} host_net_allow;

/* 0 when name is 1..SNET_NAME_MAX of [a-z0-9-]; -1 + err otherwise. */
int host_net_name_check(const char *name, rae_err *err);

/* 0 when ip, pasta and nft are all installed; -1 + err naming the first missing one and its
 * package ("pasta not found: apt-get install passt"). */
int host_net_tools_check(rae_err *err);

/* Parses "HOST:PORT" or "[IPV6]:PORT" (HOST: an IPv4 address, "localhost" or a host name); -1 +
 * err on bad input. A host name is resolved (getaddrinfo, every address) by host_net_up, once. */
int host_net_parse_allow(const char *spec, host_net_allow *out, rae_err *err);

/* Brings up the namespace rae-NAME: creates it if missing, (re)installs the guard rules (one
 * atomic nft transaction, before pasta starts, so the namespace is never unguarded), and starts
 * pasta unless one started with the same arguments for this namespace still runs (one with other
 * arguments, or a stray one, is stopped first). Idempotent: calling it again, also after a rae
 * restart or a crash of pasta, reuses what still runs and repairs the rest. pasta's pid goes to
 * pid_file (its directory must exist), which is also locked (flock) while this runs. allow may be
 * NULL when n_allow is 0. Resolves host names of allow entries (blocking). Needs root. */
int host_net_up(const char *name, const host_net_allow *allow, size_t n_allow, const char *pid_file,
                rae_err *err);

/* The namespace path for setns(2): "/run/netns/rae-NAME" (truncated to n). */
void host_net_path(const char *name, char *out, size_t n);

/* 1 when the namespace exists and the pasta of pid_file runs for it; 0 otherwise. */
int host_net_is_up(const char *name, const char *pid_file);

/* Stops pasta (the one of pid_file and any other pasta for this namespace), deletes the namespace
 * and removes pid_file; 0 also when all of it was already gone. */
int host_net_down(const char *name, const char *pid_file, rae_err *err);

#endif

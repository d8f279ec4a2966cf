/* sprite/net: a named network namespace per sprite, pasta for its outbound traffic, an nftables
 * guard inside it. Everything is done by fork/exec of ip, pasta and nft; see net.h. */
#include "host/net.h"
#include "host/tool.h"
#include "rae/err.h"

#include "util/buf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#define NETNS_DIR "/run/netns"
#define NS_PREFIX "rae-"
#define NFT_TABLE "rae_guard"
#define CMDLINE_CAP 16384  /* /proc/PID/cmdline read for identity checks */
#define MAX_HOST_ADDRS 256 /* host addresses put in the guard, per family */

typedef struct tools {
    char ip[PATH_MAX], pasta[PATH_MAX], nft[PATH_MAX];
} tools;

/* ---- names ---- */

int host_net_name_check(const char *name, rae_err *err) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > SNET_NAME_MAX) {
        rae_err_fail(err, "sprite network name '%.64s': 1 to %d characters", name ? name : "",
                     SNET_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            rae_err_fail(err, "sprite network name '%.64s': only a-z, 0-9 and '-'", name);
            return -1;
        }
    }
    return 0;
}

void host_net_path(const char *name, char *out, size_t n) {
    if (n) snprintf(out, n, NETNS_DIR "/" NS_PREFIX "%s", name ? name : "");
}

/* ---- tools ---- */

/* Finds ip, and pasta and nft too when all is set. */
static int tools_find(tools *t, int all, const char *where, rae_err *err) {
    if (host_tool_find("ip", t->ip, sizeof t->ip) < 0) {
        rae_err_fail(err, "%s: ip not found: apt-get install iproute2", where);
        return -1;
    }
    if (!all) return 0;
    if (host_tool_find("pasta", t->pasta, sizeof t->pasta) < 0) {
        rae_err_fail(err, "%s: pasta not found: apt-get install passt", where);
        return -1;
    }
    if (host_tool_find("nft", t->nft, sizeof t->nft) < 0) {
        rae_err_fail(err, "%s: nft not found: apt-get install nftables", where);
        return -1;
    }
    return 0;
}

int host_net_tools_check(rae_err *err) {
    tools t;
    return tools_find(&t, 1, "sprite network", err);
}

/* ---- running a tool ---- */

/* ---- processes ---- */

/* pid read from path; 0 when there is none. */
static pid_t read_pid_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char b[32];
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0) return 0;
    b[r] = 0;
    char *end;
    long v = strtol(b, &end, 10);
    return v > 0 && v < INT_MAX && (*end == 0 || *end == '\n') ? (pid_t)v : 0;
}

/* 1 while pid runs (a zombie does not). */
static int proc_running(pid_t pid) {
    char path[64], b[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0) return 0;
    b[r] = 0;
    const char *paren = strrchr(b, ')');
    return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* pid's argv, NUL-separated, into b (cap bytes, always NUL-terminated); its length, -1 when gone.
 */
static ssize_t proc_args(pid_t pid, char *b, size_t cap) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t used = 0;
    while (used < cap - 1) {
        ssize_t r = read(fd, b + used, cap - 1 - used);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        used += (size_t)r;
    }
    close(fd);
    b[used] = 0;
    return (ssize_t)used;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* 1 when pid is a pasta for the namespace ns ("rae-NAME"): its argv has --netns ns or its path. */
static int is_pasta_for(pid_t pid, const char *ns) {
    char *b = malloc(CMDLINE_CAP);
    if (!b) return 0;
    ssize_t len = proc_args(pid, b, CMDLINE_CAP);
    int found = 0;
    const char *base = len > 0 ? base_name(b) : "";
    if (strncmp(base, "pasta", 5) == 0 || strncmp(base, "passt", 5) == 0) {
        char path[128];
        snprintf(path, sizeof path, NETNS_DIR "/%s", ns);
        const char *end = b + len;
        for (const char *a = b; a < end && !found; a += strlen(a) + 1) {
            const char *v = NULL;
            if (strcmp(a, "--netns") == 0 && a + strlen(a) + 1 < end)
                v = a + strlen(a) + 1;
            else if (strncmp(a, "--netns=", 8) == 0)
                v = a + 8;
            found = v && (strcmp(v, ns) == 0 || strcmp(v, path) == 0);
        }
    }
    free(b);
    return found;
}

/* 1 when pid's argv is want (argv[0] compared by base name, the value of -P not compared). */
static int args_match(pid_t pid, const char *const want[]) {
    char *b = malloc(CMDLINE_CAP);
    if (!b) return 0;
    ssize_t got = proc_args(pid, b, CMDLINE_CAP);
    size_t len = got > 0 ? (size_t)got : 0, at = 0;
    int ok = len > 0;
    for (size_t i = 0; ok && want[i]; i++) {
        if (at >= len)
            ok = 0;
        else if (i == 0)
            ok = strcmp(base_name(b + at), base_name(want[0])) == 0;
        else if (strcmp(want[i - 1], "-P") != 0)
            ok = strcmp(b + at, want[i]) == 0;
        at += strlen(b + at) + 1;
    }
    free(b);
    return ok && at >= len;
}

/* Waits up to ms for pid to end (pidfd when there is one). 1 when it ended. */
static int wait_gone(pid_t pid, int pidfd, long ms) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (pidfd >= 0) {
            struct pollfd pf = {pidfd, POLLIN, 0};
            if (poll(&pf, 1, 20) > 0) return 1;
        } else {
            host_tool_sleep_ms(10);
        }
        if (!proc_running(pid)) return 1;
        if (host_tool_elapsed_ms(&start) > ms) return 0;
    }
}

static int send_signal(pid_t pid, int pidfd, int sig) {
    if (pidfd >= 0) return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
    return kill(pid, sig);
}

/* Stops pid when it is a pasta for ns: SIGTERM, SIGKILL after 1 s. 0 when it is gone or not
 * ours; -1 + err when it would not die. */
static int stop_pasta(pid_t pid, const char *ns, const char *where, rae_err *err) {
    if (pid <= 0) return 0;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* pins pid: no reuse races from here */
    if (pidfd < 0 && errno == ESRCH) return 0;
    int rc = 0;
    if (proc_running(pid) && is_pasta_for(pid, ns)) {
        send_signal(pid, pidfd, SIGTERM);
        if (!wait_gone(pid, pidfd, 1000)) {
            send_signal(pid, pidfd, SIGKILL);
            if (!wait_gone(pid, pidfd, 2000)) {
                rae_err_fail(err, "%s: pasta (pid %d) does not exit", where, (int)pid);
                rc = -1;
            }
        }
    }
    if (pidfd >= 0) close(pidfd);
    return rc;
}

/* Stops every pasta for ns but keep (a pid file lost, two rae racing, a pasta with other ports). */
static int stop_strays(const char *ns, pid_t keep, const char *where, rae_err *err) {
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (*end || v <= 0 || (pid_t)v == keep || (pid_t)v == getpid()) continue;
        if (is_pasta_for((pid_t)v, ns) && stop_pasta((pid_t)v, ns, where, err) < 0) rc = -1;
    }
    closedir(d);
    return rc;
}

/* ---- namespace ---- */

/* 1: a network namespace is mounted at path; 0: nothing there; 2: something else (stale). */
static int ns_state(const char *path) {
    struct statfs s;
    if (statfs(path, &s) == 0) return (unsigned long)s.f_type == NSFS_MAGIC ? 1 : 2;
    return errno == ENOENT ? 0 : 2;
}

/* ---- the allow list ---- */

int host_net_parse_allow(const char *spec, host_net_allow *out, rae_err *err) {
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) {
        rae_err_fail(err, "allow '': expected HOST:PORT");
        return -1;
    }
    const char *host = spec, *colon;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':') {
            rae_err_fail(err, "allow '%.300s': expected [IPV6]:PORT", spec);
            return -1;
        }
        host = spec + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
        struct in6_addr a6;
        char tmp[INET6_ADDRSTRLEN + 1];
        if (hlen == 0 || hlen >= sizeof tmp) {
            rae_err_fail(err, "allow '%.300s': not an IPv6 address", spec);
            return -1;
        }
        memcpy(tmp, host, hlen);
        tmp[hlen] = 0;
        if (inet_pton(AF_INET6, tmp, &a6) != 1) {
            rae_err_fail(err, "allow '%.300s': '%s' is not an IPv6 address", spec, tmp);
            return -1;
        }
    } else {
        colon = strrchr(spec, ':');
        if (!colon) {
            rae_err_fail(err, "allow '%.300s': expected HOST:PORT", spec);
            return -1;
        }
        hlen = (size_t)(colon - spec);
        if (memchr(spec, ':', hlen)) {
            rae_err_fail(err, "allow '%.300s': an IPv6 address goes in brackets: [ADDR]:PORT",
                         spec);
            return -1;
        }
        if (hlen == 0 || hlen > 253) {
            rae_err_fail(err, "allow '%.300s': the host must be 1 to 253 characters", spec);
            return -1;
        }
        for (size_t i = 0; i < hlen; i++) {
            char c = spec[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_')) {
                rae_err_fail(err, "allow '%.300s': bad character '%c' in the host", spec, c);
                return -1;
            }
        }
        if (spec[0] == '.' || spec[0] == '-' || spec[hlen - 1] == '-' ||
            strstr(spec, "..") != NULL) {
            rae_err_fail(err, "allow '%.300s': not a host name", spec);
            return -1;
        }
    }
    const char *p = colon + 1;
    long port = 0;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 5 || p[digits] != 0 || (port = strtol(p, NULL, 10)) < 1 ||
        port > 65535) {
        rae_err_fail(err, "allow '%.300s': the port must be 1 to 65535", spec);
        return -1;
    }
    memcpy(out->host, host, hlen);
    out->host[hlen] = 0;
    out->port = (int)port;
    return 0;
}

typedef struct resolved {
    int *ports; /* host loopback ports for pasta -T, sorted, unique */
    size_t n_ports;
    buf rules; /* nft accept rules, one per line */
} resolved;

static void add_port(resolved *r, int port) {
    size_t i = 0;
    while (i < r->n_ports && r->ports[i] < port)
        i++;
    if (i < r->n_ports && r->ports[i] == port) return;
    memmove(r->ports + i + 1, r->ports + i, (r->n_ports - i) * sizeof *r->ports);
    r->ports[i] = port;
    r->n_ports++;
}

/* One resolved address of an allow entry: loopback → a pasta port, else an accept rule. */
static int add_addr(resolved *r, const host_net_allow *a, int family, const void *addr,
                    const char *where, rae_err *err) {
    struct in_addr v4;
    if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
        memcpy(&v4, (const unsigned char *)addr + 12, 4);
        family = AF_INET;
        addr = &v4;
    }
    char text[INET6_ADDRSTRLEN];
    inet_ntop(family, addr, text, sizeof text);
    if (family == AF_INET) {
        uint32_t h = ntohl(((const struct in_addr *)addr)->s_addr);
        if (h == 0) {
            rae_err_fail(err, "%s: allow %s:%d: 0.0.0.0 is not a destination", where, a->host,
                         a->port);
            return -1;
        }
        if (h >> 24 == 127) {
            if (h != INADDR_LOOPBACK) {
                rae_err_fail(err,
                             "%s: allow %s:%d: %s: of the host's loopback only 127.0.0.1 (or "
                             "localhost, [::1]) can be allowed",
                             where, a->host, a->port, text);
                return -1;
            }
            add_port(r, a->port);
            return 0;
        }
        buf_printf(&r->rules, "\t\tip daddr %s meta l4proto { tcp, udp } th dport %d accept\n",
                   text, a->port);
        return 0;
    }
    const struct in6_addr *a6 = addr;
    if (IN6_IS_ADDR_UNSPECIFIED(a6)) {
        rae_err_fail(err, "%s: allow %s:%d: :: is not a destination", where, a->host, a->port);
        return -1;
    }
    if (IN6_IS_ADDR_LOOPBACK(a6)) {
        add_port(r, a->port);
        return 0;
    }
    buf_printf(&r->rules, "\t\tip6 daddr %s meta l4proto { tcp, udp } th dport %d accept\n", text,
               a->port);
    return 0;
}

/* Resolves the allow list into r (r->ports sized for n entries by the caller). */
static int resolve_allows(resolved *r, const host_net_allow *allow, size_t n, const char *where,
                          rae_err *err) {
    for (size_t i = 0; i < n; i++) {
        const host_net_allow *a = &allow[i];
        if (a->port < 1 || a->port > 65535 || !a->host[0] || !memchr(a->host, 0, sizeof a->host)) {
            rae_err_fail(err, "%s: allow entry %zu: bad host or port", where, i + 1);
            return -1;
        }
        struct in_addr v4;
        struct in6_addr v6;
        if (inet_pton(AF_INET, a->host, &v4) == 1) {
            if (add_addr(r, a, AF_INET, &v4, where, err) < 0) return -1;
        } else if (inet_pton(AF_INET6, a->host, &v6) == 1) {
            if (add_addr(r, a, AF_INET6, &v6, where, err) < 0) return -1;
        } else if (strcasecmp(a->host, "localhost") == 0) {
            add_port(r, a->port);
        } else {
            struct addrinfo hints, *res = NULL;
            memset(&hints, 0, sizeof hints);
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            int g = getaddrinfo(a->host, NULL, &hints, &res);
            if (g != 0) {
                rae_err_fail(err, "%s: allow %s:%d: cannot resolve %s: %s", where, a->host, a->port,
                             a->host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
                return -1;
            }
            int rc = 0;
            for (struct addrinfo *ai = res; ai && rc == 0; ai = ai->ai_next) {
                if (ai->ai_family == AF_INET)
                    rc = add_addr(r, a, AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
                                  where, err);
                else if (ai->ai_family == AF_INET6)
                    rc = add_addr(r, a, AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
                                  where, err);
            }
            freeaddrinfo(res);
            if (rc < 0) return -1;
        }
    }
    return 0;
}

/* ---- the guard ---- */

/* Appends " { a, b, … }" of the host's own addresses of family (loopback and link-local left to
 * the ranges); 0 when it has none. */
static int host_addrs(buf *b, int family) {
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) < 0) return 0;
    char seen[MAX_HOST_ADDRS][INET6_ADDRSTRLEN];
    int n = 0;
    for (struct ifaddrs *i = ifs; i && n < MAX_HOST_ADDRS; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family) continue;
        char text[INET6_ADDRSTRLEN];
        if (family == AF_INET) {
            const struct in_addr *a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            if (ntohl(a->s_addr) >> 24 == 127) continue;
            inet_ntop(AF_INET, a, text, sizeof text);
        } else {
            const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
            if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a)) continue;
            inet_ntop(AF_INET6, a, text, sizeof text);
        }
        int dup = 0;
        for (int k = 0; k < n && !dup; k++)
            dup = strcmp(seen[k], text) == 0;
        if (dup) continue;
        snprintf(seen[n], sizeof seen[n], "%s", text);
        buf_printf(b, "%s%s", n ? ", " : " { ", text);
        n++;
    }
    if (n) buf_puts(b, " }");
    freeifaddrs(ifs);
    return n;
}

/* The nft script: replaces table inet rae_guard atomically (the add-delete-add idiom). */
static void build_rules(buf *b, const resolved *r) {
    buf_puts(b, "table inet " NFT_TABLE "\n"
                "delete table inet " NFT_TABLE "\n"
                "table inet " NFT_TABLE " {\n"
                "\tchain deny {\n"
                "\t\tmeta l4proto tcp reject with tcp reset\n"
                "\t\treject with icmpx type admin-prohibited\n"
                "\t}\n"
                "\tchain output {\n"
                "\t\ttype filter hook output priority filter; policy accept;\n"
                "\t\toifname \"lo\" accept\n"
                "\t\tip daddr " SNET_DNS " udp dport 53 accept\n");
    buf_puts(b, buf_str(&r->rules));
    buf_puts(b, "\t\tip daddr { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, "
                "169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24, 192.0.2.0/24, 192.168.0.0/16, "
                "198.18.0.0/15, 224.0.0.0/4, 240.0.0.0/4 } jump deny\n"
                "\t\tip6 daddr { ::/96, ::ffff:0:0/96, fc00::/7, fe80::/10, fec0::/10, "
                "ff00::/8 } jump deny\n");
    buf h = BUF_INIT;
    if (host_addrs(&h, AF_INET)) buf_printf(b, "\t\tip daddr%s jump deny\n", buf_str(&h));
    buf_reset(&h);
    if (host_addrs(&h, AF_INET6)) buf_printf(b, "\t\tip6 daddr%s jump deny\n", buf_str(&h));
    buf_free(&h);
    buf_puts(b, "\t}\n}\n");
}

/* ---- pasta ---- */

/* pasta's argv; caller frees *argv_out and *ports_text_out. */
static void pasta_argv(const tools *t, const char *ns, const resolved *r, const char *pid_file,
                       const char ***argv_out, char **ports_text_out) {
    const char **argv = calloc(40 + 2 * r->n_ports, sizeof *argv);
    char *text = calloc(r->n_ports ? r->n_ports : 1, 8);
    if (!argv || !text) abort();
    size_t n = 0;
    argv[n++] = t->pasta;
    argv[n++] = "--config-net";
    argv[n++] = "--runas";
    argv[n++] = "0";
    argv[n++] = "--netns";
    argv[n++] = ns;
    argv[n++] = "-I";
    argv[n++] = "eth0";
    argv[n++] = "-a";
    argv[n++] = SNET_ADDR;
    argv[n++] = "-n";
    argv[n++] = "24";
    argv[n++] = "-g";
    argv[n++] = SNET_GATEWAY;
    argv[n++] = "--no-map-gw";
    argv[n++] = "--dns-forward";
    argv[n++] = SNET_DNS;
    argv[n++] = "-t";
    argv[n++] = "none";
    argv[n++] = "-u";
    argv[n++] = "none";
    argv[n++] = "-U";
    argv[n++] = "none";
    if (r->n_ports == 0) {
        argv[n++] = "-T";
        argv[n++] = "none"; /* the default, auto, would forward every bound host port */
    }
    for (size_t i = 0; i < r->n_ports; i++) {
        snprintf(text + 8 * i, 8, "%d", r->ports[i]);
        argv[n++] = "-T";
        argv[n++] = text + 8 * i;
    }
    argv[n++] = "-q";
    argv[n++] = "-P";
    argv[n++] = pid_file;
    argv[n] = NULL;
    *argv_out = argv;
    *ports_text_out = text;
}

/* ---- up, is_up, down ---- */

int host_net_up(const char *name, const host_net_allow *allow, size_t n_allow, const char *pid_file,
                rae_err *err) {
    if (host_net_name_check(name, err) < 0) return -1;
    char where[96], ns[64], path[128];
    snprintf(where, sizeof where, "host_net_up(%s)", name);
    snprintf(ns, sizeof ns, NS_PREFIX "%s", name);
    host_net_path(name, path, sizeof path);
    if (!pid_file || !*pid_file) {
        rae_err_fail(err, "%s: no pid file given", where);
        return -1;
    }
    if (n_allow && !allow) {
        rae_err_fail(err, "%s: %zu allow entries but no list", where, n_allow);
        return -1;
    }
    if (geteuid() != 0) {
        rae_err_fail(err, "%s: network namespaces need root", where);
        return -1;
    }
    tools t;
    if (tools_find(&t, 1, where, err) < 0) return -1;

    int lock = open(pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) {
        rae_err_fail(err, "%s: %s: %s", where, pid_file, strerror(errno));
        return -1;
    }
    while (flock(lock, LOCK_EX) < 0 && errno == EINTR) {
    }

    int rc = -1, netns_fd = -1, pid_path = -1;
    resolved r = {calloc(n_allow ? n_allow : 1, sizeof(int)), 0, BUF_INIT};
    buf script = BUF_INIT;
    const char **argv = NULL;
    char *ports_text = NULL, what[256];
    if (!r.ports) {
        rae_err_fail(err, "%s: out of memory", where);
        goto out;
    }
    if (resolve_allows(&r, allow, n_allow, where, err) < 0) goto out;

    /* the namespace */
    int st = ns_state(path), fresh = st != 1; /* a new namespace needs a new pasta */
    if (st == 2) { /* a mount point left without its namespace: ip netns del clears it */
        const char *del[] = {t.ip, "netns", "del", ns, NULL};
        snprintf(what, sizeof what, "%s: ip netns del %s (stale)", where, ns);
        if (host_tool_run(what, del, -1, NULL, err) < 0) goto out;
        st = ns_state(path);
    }
    if (st == 0) {
        const char *add[] = {t.ip, "netns", "add", ns, NULL};
        snprintf(what, sizeof what, "%s: ip netns add %s", where, ns);
        if (host_tool_run(what, add, -1, NULL, err) < 0) goto out;
    }
    netns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) {
        rae_err_fail(err, "%s: %s: %s", where, path, strerror(errno));
        goto out;
    }

    /* the guard, before pasta runs */
    build_rules(&script, &r);
    const char *nft[] = {t.nft, "-f", "-", NULL};
    snprintf(what, sizeof what, "%s: nft (guard rules in %s)", where, ns);
    if (host_tool_run(what, nft, netns_fd, buf_str(&script), err) < 0) goto out;

    /* pasta: reuse the one that runs with these arguments, else start one */
    /* pasta opens its pid file with no CAP_DAC_OVERRIDE left: by name it could not reach one
     * below a folder of mode 0700 that another user owns (root running rae from a user's home).
     * So it gets the file as its fd 3 (O_PATH: no lock of ours goes with it) and reopens that. */
    pid_path = open(pid_file, O_PATH | O_CLOEXEC);
    if (pid_path < 0) {
        rae_err_fail(err, "%s: %s: %s", where, pid_file, strerror(errno));
        goto out;
    }
    pasta_argv(&t, ns, &r, "/proc/self/fd/3", &argv, &ports_text);
    pid_t pid = read_pid_file(pid_file);
    if (!fresh && pid > 0 && proc_running(pid) && is_pasta_for(pid, ns) && args_match(pid, argv)) {
        if (stop_strays(ns, pid, where, err) < 0) goto out;
        rc = 0;
        goto out;
    }
    if (stop_pasta(pid, ns, where, err) < 0 || stop_strays(ns, 0, where, err) < 0) goto out;
    if (ftruncate(lock, 0) < 0) {
        rae_err_fail(err, "%s: %s: %s", where, pid_file, strerror(errno));
        goto out;
    }
    snprintf(what, sizeof what, "%s: pasta --netns %s", where, ns);
    if (host_tool_run_fd(what, argv, -1, NULL, pid_path, err) < 0) goto out;
    pid = read_pid_file(pid_file);
    if (pid <= 0 || !proc_running(pid) || !is_pasta_for(pid, ns)) {
        if (pid > 0)
            rae_err_fail(err, "%s: pasta (pid %d) exited at once", where, (int)pid);
        else
            rae_err_fail(err, "%s: pasta wrote no pid to %s", where, pid_file);
        goto out;
    }
    rc = 0;
out:
    if (netns_fd >= 0) close(netns_fd);
    if (pid_path >= 0) close(pid_path);
    free(argv);
    free(ports_text);
    free(r.ports);
    buf_free(&r.rules);
    buf_free(&script);
    close(lock);
    return rc;
}

int host_net_is_up(const char *name, const char *pid_file) {
    if (host_net_name_check(name, NULL) < 0 || !pid_file) return 0;
    char ns[64], path[128];
    snprintf(ns, sizeof ns, NS_PREFIX "%s", name);
    host_net_path(name, path, sizeof path);
    if (ns_state(path) != 1) return 0;
    pid_t pid = read_pid_file(pid_file);
    return pid > 0 && proc_running(pid) && is_pasta_for(pid, ns);
}

int host_net_down(const char *name, const char *pid_file, rae_err *err) {
    if (host_net_name_check(name, err) < 0) return -1;
    char where[96], ns[64], path[128], what[256];
    snprintf(where, sizeof where, "host_net_down(%s)", name);
    snprintf(ns, sizeof ns, NS_PREFIX "%s", name);
    host_net_path(name, path, sizeof path);
    int lock = pid_file ? open(pid_file, O_RDWR | O_CLOEXEC) : -1;
    if (lock >= 0)
        while (flock(lock, LOCK_EX) < 0 && errno == EINTR) {
        }
    int rc = 0;
    if (pid_file && stop_pasta(read_pid_file(pid_file), ns, where, err) < 0) rc = -1;
    if (rc == 0 && stop_strays(ns, 0, where, err) < 0) rc = -1;
    if (rc == 0 && ns_state(path) != 0) {
        tools t;
        const char *del[] = {t.ip, "netns", "del", ns, NULL};
        snprintf(what, sizeof what, "%s: ip netns del %s", where, ns);
        if (tools_find(&t, 0, where, err) < 0 || host_tool_run(what, del, -1, NULL, err) < 0)
            rc = -1;
    }
    if (rc == 0 && pid_file && unlink(pid_file) < 0 && errno != ENOENT) {
        rae_err_fail(err, "%s: %s: %s", where, pid_file, strerror(errno));
        rc = -1;
    }
    if (lock >= 0) close(lock);
    return rc;
}

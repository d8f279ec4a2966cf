/* sprite/net: a sprite's network namespace with real ip, pasta and nft. Checks run in a forked
 * child that setns()es into the namespace; the host side listens on its own loopback only. Every
 * namespace is named after this process (tsn<pid><case>) and removed by the teardown, also when a
 * check fails. Skipped when not root or a tool is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/net.h"

#define REPORT_CAP 8192

typedef struct ctx {
    char name[32];
    char pid_file[128];
    char path[128];
} ctx;

/* ---- skipping, set-up, tear-down ---- */

static void need_root_and_tools(void) {
    rae_err why;
    if (geteuid() != 0) {
        print_message("[  SKIP    ] needs root (network namespaces)\n");
        skip();
    }
    if (host_net_tools_check(&why) < 0) {
        print_message("[  SKIP    ] %s\n", why.message);
        skip();
    }
}

static int setup(void **state) {
    ctx *c = calloc(1, sizeof *c);
    if (!c) return -1;
    snprintf(c->name, sizeof c->name, "tsn%d%s", (int)getpid(), (const char *)*state);
    snprintf(c->pid_file, sizeof c->pid_file, "/tmp/rae-%s.pasta.pid", c->name);
    host_net_path(c->name, c->path, sizeof c->path);
    *state = c;
    return 0;
}

static int teardown(void **state) {
    ctx *c = *state;
    rae_err err;
    if (host_net_down(c->name, c->pid_file, &err) < 0) print_message("teardown: %s\n", err.message);
    free(c);
    return 0;
}

static void up_or_fail(const ctx *c, const host_net_allow *allow, size_t n) {
    rae_err err;
    int rc = host_net_up(c->name, allow, n, c->pid_file, &err);
    if (rc != 0) print_message("host_net_up: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(host_net_is_up(c->name, c->pid_file), 1);
}

static pid_t pid_of(const ctx *c) {
    char b[32] = "";
    int fd = open(c->pid_file, O_RDONLY);
    if (fd < 0) return 0;
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    return r > 0 ? (pid_t)atoi(b) : 0;
}

/* 1 while pid runs (a zombie does not count). */
static int running(pid_t pid) {
    char path[64], b[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0) return 0;
    b[r] = 0;
    const char *p = strrchr(b, ')');
    return p && p[2] != 'Z' && p[2] != 'X';
}

static int wait_not_running(pid_t pid, int ms) {
    for (int i = 0; i < ms / 10 && running(pid); i++)
        usleep(10000);
    return !running(pid);
}

/* ---- sockets ---- */

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A TCP listener on the host's (or the namespace's) loopback; its port in *port. */
static int listen_on(const char *addr, int *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Connects to addr:port (IPv4 or IPv6 text) waiting up to 2 s. The fd, or -1 with *error (errno,
 * ETIMEDOUT on no answer) and *ms the time it took. */
static int try_connect(const char *addr, int port, int *error, long *ms) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &s6->sin6_addr);
        family = AF_INET6;
        len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &s4->sin_addr);
        family = AF_INET;
        len = sizeof *s4;
    }
    long start = now_ms();
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    *error = 0;
    if (fd < 0) {
        *error = errno;
        *ms = 0;
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        if (errno != EINPROGRESS) {
            *error = errno;
        } else {
            struct pollfd pf = {fd, POLLOUT, 0};
            if (poll(&pf, 1, 2000) <= 0) {
                *error = ETIMEDOUT;
            } else {
                socklen_t el = sizeof *error;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, error, &el);
            }
        }
    }
    *ms = now_ms() - start;
    if (*error) {
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* ---- checks inside the namespace ---- */

typedef struct report {
    int fd; /* the pipe to the parent */
    int failures;
} report;

static void say(report *r, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(report *r, int ok, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(line, sizeof line, "  %s ", ok ? "ok  " : "FAIL");
    n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(r->fd, line, (size_t)n);
    (void)w;
    if (!ok) r->failures++;
}

/* Expects addr:port to be refused or unreachable within 1 s: a reject, not a silent drop. */
static void expect_rejected(report *r, const char *addr, int port) {
    int error;
    long ms;
    int fd = try_connect(addr, port, &error, &ms);
    if (fd >= 0) {
        close(fd);
        say(r, 0, "%s:%d is rejected (it connected!)", addr, port);
        return;
    }
    say(r, error != ETIMEDOUT && ms < 1000, "%s:%d is rejected (%s after %ld ms)", addr, port,
        strerror(error), ms);
}

/* Expects a connection to addr:port whose peer answers "ping" with "pong". */
static void expect_ping(report *r, const char *addr, int port) {
    int error;
    long ms;
    int fd = try_connect(addr, port, &error, &ms);
    if (fd < 0) {
        say(r, 0, "%s:%d connects (%s after %ld ms)", addr, port, strerror(error), ms);
        return;
    }
    char b[8] = "";
    ssize_t got = send(fd, "ping", 4, MSG_NOSIGNAL) == 4 ? recv(fd, b, 4, MSG_WAITALL) : -1;
    say(r, got == 4 && memcmp(b, "pong", 4) == 0, "%s:%d connects and answers (%.4s)", addr, port,
        got > 0 ? b : "nothing");
    close(fd);
}

/* The namespace's own loopback works: a listener there, a connection, bytes both ways. */
static void expect_own_loopback(report *r) {
    int port, l = listen_on("127.0.0.1", &port);
    if (l < 0) {
        say(r, 0, "listen on the namespace's 127.0.0.1: %s", strerror(errno));
        return;
    }
    int error;
    long ms;
    int c = try_connect("127.0.0.1", port, &error, &ms);
    int a = c >= 0 ? accept(l, NULL, NULL) : -1;
    char b[4] = "";
    int ok = a >= 0 && send(c, "hi", 2, MSG_NOSIGNAL) == 2 && recv(a, b, 2, MSG_WAITALL) == 2 &&
             send(a, "yo", 2, MSG_NOSIGNAL) == 2 && recv(c, b + 2, 2, MSG_WAITALL) == 2 &&
             memcmp(b, "hiyo", 4) == 0;
    say(r, ok, "the namespace's own 127.0.0.1:%d works", port);
    if (a >= 0) close(a);
    if (c >= 0) close(c);
    close(l);
}

/* UDP to addr:port errors out within 1 s (send or the next recv). */
static void expect_udp_rejected(report *r, const char *addr, int port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    long start = now_ms();
    int error = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || send(fd, "x", 1, 0) < 0) {
        error = errno;
    } else {
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char b[8];
        if (recv(fd, b, sizeof b, 0) < 0) error = errno == EAGAIN ? ETIMEDOUT : errno;
    }
    long ms = now_ms() - start;
    close(fd);
    say(r, error && error != ETIMEDOUT && ms < 1000, "udp %s:%d is rejected (%s after %ld ms)",
        addr, port, error ? strerror(error) : "answered", ms);
}

/* A DNS query (example.com A) to addr:53; 1 when any answer with our id came back in 2 s. */
static int dns_answers(const char *addr) {
    static const unsigned char q[] = {0x12, 0x34, 1,   0,   0,   1,   0,   0,   0,   0,
                                      0,    0,    7,   'e', 'x', 'a', 'm', 'p', 'l', 'e',
                                      3,    'c',  'o', 'm', 0,   0,   1,   0,   1};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    unsigned char b[512];
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && send(fd, q, sizeof q, 0) > 0 &&
             recv(fd, b, sizeof b, 0) >= 12 && b[0] == 0x12 && b[1] == 0x34;
    close(fd);
    return ok;
}

/* The host's first resolver from /etc/resolv.conf ("" when none). */
static void host_resolver(char *out, size_t n) {
    out[0] = 0;
    FILE *f = fopen("/etc/resolv.conf", "r");
    if (!f) return;
    char line[256], addr[64];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "nameserver %63s", addr) == 1 && !strchr(addr, ':')) {
            snprintf(out, n, "%s", addr);
            break;
        }
    fclose(f);
}

/* What the checks need from the parent. */
typedef struct probe {
    int host_port;     /* a listener on the host's 127.0.0.1 */
    int host_any_port; /* a listener on the host's 0.0.0.0 */
    int allowed_port;  /* a listener on the host's 127.0.0.1 the sprite may reach (0: none) */
    int dns_expected;  /* the host's resolver answers, so the sprite's DNS must too */
    char host_addrs[8][INET6_ADDRSTRLEN]; /* the host's own non-loopback addresses */
    int n_host_addrs;
} probe;

typedef void (*probe_fn)(report *r, const probe *p);

static void guard_checks(report *r, const probe *p) {
    expect_own_loopback(r);
    expect_rejected(r, "127.0.0.1", p->host_port); /* refused: nothing listens in the sprite */
    expect_rejected(r, "::1", p->host_port);
    expect_rejected(r, "::ffff:127.0.0.1", p->host_port);
    expect_rejected(r, SNET_GATEWAY, p->host_port);
    expect_rejected(r, SNET_GATEWAY, 53);
    expect_rejected(r, "169.254.169.254", 80);
    expect_rejected(r, "10.1.2.3", 80);
    expect_rejected(r, "172.16.5.5", 443);
    expect_rejected(r, "192.168.1.1", 80);
    expect_rejected(r, "100.64.0.1", 80);
    expect_rejected(r, "0.0.0.1", 80);
    expect_rejected(r, "fd00::1", p->host_port);
    expect_rejected(r, "fc00::1", 80);
    for (int i = 0; i < p->n_host_addrs; i++)
        expect_rejected(r, p->host_addrs[i], p->host_any_port);
    expect_udp_rejected(r, SNET_GATEWAY, 9);
    expect_udp_rejected(r, "10.1.2.3", 53);
    if (p->dns_expected)
        say(r, dns_answers(SNET_DNS), "DNS at %s:53 answers (forwarded to the host's resolver)",
            SNET_DNS);
    else
        say(r, 1, "DNS not checked: the host's resolver does not answer either");
}

static void allow_checks(report *r, const probe *p) {
    expect_own_loopback(r);
    expect_ping(r, "127.0.0.1", p->allowed_port);
    expect_rejected(r, "127.0.0.1", p->host_port);
    expect_rejected(r, SNET_GATEWAY, p->allowed_port);
    expect_rejected(r, "10.1.2.4", 8443);
}

/* Serves a connection to a host listener: reads "ping", answers "pong". */
static void serve_one(int l) {
    int a = accept(l, NULL, NULL);
    if (a < 0) return;
    struct timeval tv = {1, 0};
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char b[4];
    if (recv(a, b, 4, MSG_WAITALL) == 4 && memcmp(b, "ping", 4) == 0)
        send(a, "pong", 4, MSG_NOSIGNAL);
    close(a);
}

/* Runs fn in a child that entered c's namespace, serving the host listeners meanwhile. The
 * number of failed checks (report text in out); *host_hits counts connections that reached
 * listeners[0..n_forbidden). */
static int in_namespace(const ctx *c, probe_fn fn, const probe *p, const int *listeners,
                        int n_listeners, int n_forbidden, int *host_hits, char *out, size_t n) {
    int pipefd[2];
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    int nsfd = open(c->path, O_RDONLY | O_CLOEXEC);
    assert_true(nsfd >= 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        report r = {pipefd[1], 0};
        close(pipefd[0]);
        for (int i = 0; i < n_listeners; i++)
            close(listeners[i]);
        if (setns(nsfd, CLONE_NEWNET) < 0) {
            say(&r, 0, "setns: %s", strerror(errno));
            _exit(1);
        }
        fn(&r, p);
        _exit(r.failures > 100 ? 100 : r.failures);
    }
    close(nsfd);
    close(pipefd[1]);
    size_t used = 0;
    *host_hits = 0;
    for (;;) {
        struct pollfd pf[9];
        pf[0] = (struct pollfd){pipefd[0], POLLIN, 0};
        for (int i = 0; i < n_listeners && i < 8; i++)
            pf[i + 1] = (struct pollfd){listeners[i], POLLIN, 0};
        if (poll(pf, (nfds_t)(n_listeners + 1), 30000) <= 0) break;
        for (int i = 0; i < n_listeners; i++)
            if (pf[i + 1].revents & POLLIN) {
                if (i < n_forbidden) (*host_hits)++;
                serve_one(listeners[i]);
            }
        if (pf[0].revents & (POLLIN | POLLHUP)) {
            ssize_t got = read(pipefd[0], out + used, n - 1 - used);
            if (got <= 0) break;
            used += (size_t)got;
        }
    }
    out[used] = 0;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    for (char *line = out, *e; *line; line = e + 1) { /* print_message cuts at 1 KB */
        e = strchr(line, '\n');
        if (!e) e = line + strlen(line) - 1;
        print_message("%.*s\n", (int)(e - line), line);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

/* The host's own non-loopback addresses (IPv4, and IPv6 that is not link-local). */
static void collect_host_addrs(probe *p) {
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) < 0) return;
    for (struct ifaddrs *i = ifs; i && p->n_host_addrs < 8; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        char *dst = p->host_addrs[p->n_host_addrs];
        if (i->ifa_addr->sa_family == AF_INET) {
            struct in_addr *a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            if (ntohl(a->s_addr) >> 24 == 127) continue;
            inet_ntop(AF_INET, a, dst, INET6_ADDRSTRLEN);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
            if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a)) continue;
            inet_ntop(AF_INET6, a, dst, INET6_ADDRSTRLEN);
        } else {
            continue;
        }
        p->n_host_addrs++;
    }
    freeifaddrs(ifs);
}

/* Runs fn in the namespace with a forbidden host listener on 127.0.0.1 and 0.0.0.0 (and the allowed
 * one when allowed_l >= 0); fails on any failed check or any connection to a forbidden one. */
static void check_in_namespace(const ctx *c, probe_fn fn, int allowed_l, int allowed_port) {
    probe p;
    memset(&p, 0, sizeof p);
    int l[3], n = 0;
    l[n++] = listen_on("127.0.0.1", &p.host_port);
    l[n++] = listen_on("0.0.0.0", &p.host_any_port);
    assert_true(l[0] >= 0 && l[1] >= 0);
    if (allowed_l >= 0) l[n++] = allowed_l;
    p.allowed_port = allowed_port;
    collect_host_addrs(&p);
    char resolver[64];
    host_resolver(resolver, sizeof resolver);
    p.dns_expected = resolver[0] && dns_answers(resolver);
    char *text = malloc(REPORT_CAP);
    assert_non_null(text);
    int hits = 0;
    int failures = in_namespace(c, fn, &p, l, n, 2, &hits, text, REPORT_CAP);
    free(text);
    close(l[0]);
    close(l[1]);
    if (hits) print_message("  FAIL %d connection(s) reached a forbidden host listener\n", hits);
    assert_int_equal(hits, 0);
    assert_int_equal(failures, 0);
}

/* The guard table as nft lists it inside c's namespace. */
static void ruleset_of(const ctx *c, char *out, size_t n) {
    int pipefd[2];
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    int nsfd = open(c->path, O_RDONLY | O_CLOEXEC);
    assert_true(nsfd >= 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 1);
        if (setns(nsfd, CLONE_NEWNET) < 0) _exit(126);
        execlp("nft", "nft", "list", "table", "inet", "rae_guard", (char *)NULL);
        _exit(127);
    }
    close(nsfd);
    close(pipefd[1]);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < n && (got = read(pipefd[0], out + used, n - 1 - used)) > 0)
        used += (size_t)got;
    out[used] = 0;
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- cases ---- */

static void test_parse(void **state) {
    (void)state;
    host_net_allow a;
    rae_err err;
    static const struct {
        const char *spec, *host;
        int port;
    } good[] = {{"127.0.0.1:8080", "127.0.0.1", 8080},
                {"localhost:1", "localhost", 1},
                {"[::1]:443", "::1", 443},
                {"example.com:65535", "example.com", 65535},
                {"10.0.0.5:5432", "10.0.0.5", 5432},
                {"[fd00::1]:53", "fd00::1", 53},
                {"db_1.internal:5432", "db_1.internal", 5432}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int rc = host_net_parse_allow(good[i].spec, &a, &err);
        if (rc) print_message("%s: %s\n", good[i].spec, err.message);
        assert_int_equal(rc, 0);
        assert_string_equal(a.host, good[i].host);
        assert_int_equal(a.port, good[i].port);
    }
    static const char *const bad[] = {
        "",          "8080",      "host:",      ":80",     "host:0",  "host:65536", "host:80x",
        "host:+80",  "::1:80",    "[::1]80",    "[::1]:",  "[zz]:80", "[]:80",      "a b:80",
        "-x.com:80", "x..com:80", "[::1]:80:1", "host:-1", "h/st:80", "host:008080"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rae_err_clear(&err);
        assert_int_equal(host_net_parse_allow(bad[i], &a, &err), -1);
        assert_true(err.message[0] != 0);
    }
    char longhost[300];
    memset(longhost, 'a', 280);
    strcpy(longhost + 280, ":80");
    assert_int_equal(host_net_parse_allow(longhost, &a, &err), -1);

    assert_int_equal(host_net_name_check("abc-1", &err), 0);
    assert_int_equal(host_net_name_check("", &err), -1);
    assert_int_equal(host_net_name_check("ABC", &err), -1);
    assert_int_equal(host_net_name_check("a/b", &err), -1);
    assert_int_equal(host_net_name_check("a234567890123456789012345678901234567890x", &err), -1);
    char path[128];
    host_net_path("abc", path, sizeof path);
    assert_string_equal(path, "/run/netns/rae-abc");
}

/* Up with no allow list: loopback inside works, the host, the gateway and private ranges are
 * rejected, DNS is forwarded. */
static void test_guard(void **state) {
    need_root_and_tools();
    ctx *c = *state;
    up_or_fail(c, NULL, 0);
    struct stat st;
    assert_int_equal(stat(c->path, &st), 0);
    check_in_namespace(c, guard_checks, -1, 0);
}

/* Up with an allowed host loopback port (and an allowed private address): that port works. */
static void test_allow(void **state) {
    need_root_and_tools();
    ctx *c = *state;
    int port, l = listen_on("127.0.0.1", &port);
    assert_true(l >= 0);
    host_net_allow allow[3];
    char spec[64];
    rae_err err;
    snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
    assert_int_equal(host_net_parse_allow(spec, &allow[0], &err), 0);
    assert_int_equal(host_net_parse_allow("10.1.2.3:8443", &allow[1], &err), 0);
    assert_int_equal(host_net_parse_allow("[fd00::1234]:8443", &allow[2], &err), 0);
    up_or_fail(c, allow, 3);
    check_in_namespace(c, allow_checks, l, port);
    close(l);
    char *rules = malloc(REPORT_CAP);
    assert_non_null(rules);
    ruleset_of(c, rules, REPORT_CAP);
    int has_v4 =
        strstr(rules, "ip daddr 10.1.2.3 meta l4proto { tcp, udp } th dport 8443 accept") != NULL;
    int has_v6 =
        strstr(rules, "ip6 daddr fd00::1234 meta l4proto { tcp, udp } th dport 8443 accept") !=
        NULL;
    if (!has_v4 || !has_v6) print_message("%s", rules);
    free(rules);
    assert_true(has_v4 && has_v6);

    /* bad entries fail with a message, and leave the running set-up alone */
    host_net_allow bad = {"127.0.0.2", 80};
    rae_err_clear(&err);
    assert_int_equal(host_net_up(c->name, &bad, 1, c->pid_file, &err), -1);
    print_message("  (expected) %s\n", err.message);
    assert_non_null(strstr(err.message, "host_net_up("));
    host_net_allow unknown = {"no-such-host.invalid", 80};
    assert_int_equal(host_net_up(c->name, &unknown, 1, c->pid_file, &err), -1);
    print_message("  (expected) %s\n", err.message);
    assert_int_equal(host_net_is_up(c->name, c->pid_file), 1);
}

/* Up twice reuses pasta; up with another allow list restarts it with the new port. */
static void test_idempotent(void **state) {
    need_root_and_tools();
    ctx *c = *state;
    int port, l = listen_on("127.0.0.1", &port);
    assert_true(l >= 0);
    host_net_allow allow = {"localhost", port};
    up_or_fail(c, &allow, 1);
    pid_t first = pid_of(c);
    assert_true(first > 0);
    up_or_fail(c, &allow, 1);
    assert_int_equal(pid_of(c), first);
    check_in_namespace(c, allow_checks, l, port);
    close(l);

    int port2, l2 = listen_on("127.0.0.1", &port2);
    assert_true(l2 >= 0);
    host_net_allow allow2 = {"127.0.0.1", port2};
    up_or_fail(c, &allow2, 1);
    pid_t second = pid_of(c);
    assert_true(second > 0 && second != first);
    assert_true(wait_not_running(first, 2000));
    check_in_namespace(c, allow_checks, l2, port2);
    close(l2);
}

/* Down removes the namespace and stops pasta; down again is fine. */
static void test_down(void **state) {
    need_root_and_tools();
    ctx *c = *state;
    up_or_fail(c, NULL, 0);
    pid_t pid = pid_of(c);
    assert_true(pid > 0 && running(pid));
    rae_err err;
    assert_int_equal(host_net_down(c->name, c->pid_file, &err), 0);
    struct stat st;
    assert_int_equal(stat(c->path, &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_true(wait_not_running(pid, 2000));
    assert_int_equal(host_net_is_up(c->name, c->pid_file), 0);
    assert_int_equal(access(c->pid_file, F_OK), -1);
    assert_int_equal(host_net_down(c->name, c->pid_file, &err), 0);
}

/* pasta killed (-9) with the namespace left: is_up says so, up repairs it. */
static void test_repair(void **state) {
    need_root_and_tools();
    ctx *c = *state;
    int port, l = listen_on("127.0.0.1", &port);
    assert_true(l >= 0);
    host_net_allow allow = {"127.0.0.1", port};
    up_or_fail(c, &allow, 1);
    pid_t pid = pid_of(c);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_true(wait_not_running(pid, 2000));
    assert_int_equal(host_net_is_up(c->name, c->pid_file), 0);
    struct stat st;
    assert_int_equal(stat(c->path, &st), 0); /* the namespace outlives its pasta */
    up_or_fail(c, &allow, 1);
    pid_t again = pid_of(c);
    assert_true(again > 0 && again != pid);
    check_in_namespace(c, allow_checks, l, port);
    check_in_namespace(c, guard_checks, -1, 0);
    close(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test_prestate_setup_teardown(test_guard, setup, teardown, "g"),
        cmocka_unit_test_prestate_setup_teardown(test_allow, setup, teardown, "a"),
        cmocka_unit_test_prestate_setup_teardown(test_idempotent, setup, teardown, "i"),
        cmocka_unit_test_prestate_setup_teardown(test_down, setup, teardown, "d"),
        cmocka_unit_test_prestate_setup_teardown(test_repair, setup, teardown, "r"),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

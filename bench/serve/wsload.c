/* bench/serve: the load client. A WebSocket client (RFC 6455, masked binary frames, subprotocol
 * "binary") on one epoll thread, against nothing but libc; or, with --unix, raw bytes straight to
 * the echo server's socket (the ceiling: no relay at all).
 *
 *   wsload MODE [options]
 *
 * MODE:
 *   lat N          1 connection, N measured 16-byte round trips (after --warmup of them)
 *   conc C SECS    C connections, each doing 16-byte round trips back to back for SECS seconds
 *                  (measured after every connection is open and --warmup-s has passed)
 *   bulk BYTES     1 connection; asks the echo server for BYTES and times them arriving
 *   open C ROUNDS  C connections opened at once, each doing ROUNDS round trips, then closed;
 *                  counts the errors (refused, handshake, closed early, wrong bytes, timeout)
 * options:
 *   --host H --port P --path PATH   the WebSocket endpoint (ws://H:P/PATH)
 *   --token T                       sends "Authorization: Bearer T" with the upgrade
 *   --unix SOCKET                   raw mode: connect to SOCKET, no WebSocket
 *   --cpu NAME:PID                  also report the CPU used by PID and its direct children
 *                                   during the measured window (% of one core); repeatable
 *   --warmup N (lat, 500)  --warmup-s S (conc, 1)  --timeout S (open, 30)
 *
 * Prints one JSON object on stdout. Round-trip latency is from the write of a message to the
 * arrival of its 16th echoed byte (they may come in several frames). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define MSG 16
#define MAXCPU 8

enum { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_DONE, C_FAILED };
enum { M_LAT, M_CONC, M_BULK, M_OPEN };

typedef struct conn {
    int fd, state, id;
    /* handshake */
    char hs[4096];
    size_t hs_len;
    double t_connect, t_open;
    /* frame parser */
    unsigned char hdr[14];
    int hlen, hneed, in_payload, opcode;
    uint64_t payload_left;
    unsigned char ctl[125];
    int ctl_len;
    /* the round trip in flight */
    unsigned char msg[MSG];
    size_t got; /* echoed bytes of msg received */
    double t_sent;
    long rounds; /* completed round trips */
    int waiting; /* a message is in flight */
    /* output not yet taken by the socket */
    unsigned char out[256];
    size_t out_len;
    uint64_t bulk_got;
    int why;       /* failure reason index */
    int armed_out; /* EPOLLOUT asked for */
} conn;

static const char *why_names[] = {"none",     "connect", "handshake", "closed",
                                  "mismatch", "timeout", "protocol"};
enum { W_NONE, W_CONNECT, W_HANDSHAKE, W_CLOSED, W_MISMATCH, W_TIMEOUT, W_PROTOCOL, W_N };

static struct {
    int mode, raw;
    const char *host, *path, *token, *unix_path;
    int port;
    long n;         /* lat: round trips; conc/open: connections */
    double secs;    /* conc */
    long rounds;    /* open: per connection; lat: measured */
    uint64_t bytes; /* bulk */
    long warmup;
    double warmup_s, timeout;
    int ncpu;
    char cpu_name[MAXCPU][32];
    int cpu_pid[MAXCPU];
} opt = {.host = "127.0.0.1", .path = "/", .warmup = 500, .warmup_s = 1, .timeout = 30};

static int ep;
static conn *conns;
static double *lat;
static size_t nlat, caplat;
static int measuring;
static double t_win0, t_win1;
static long errors[W_N];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "wsload: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* ---- CPU of the processes under test ---- */

/* utime + stime of pid (and, in *children, cutime + cstime: its reaped children), in ticks; and
 * its parent in *ppid. -1 when it is gone. */
static double proc_ticks(int pid, double *children, int *ppid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    long cut = 0, cst = 0;
    int pp = 0;
    /* after ")": 3 state, 4 ppid, ... 14 utime, 15 stime, 16 cutime, 17 cstime */
    if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &pp, &ut,
                     &st, &cut, &cst) != 5)
        return -1;
    if (children) *children = (double)(cut + cst);
    if (ppid) *ppid = pp;
    return (double)(ut + st);
}

/* A process and its living direct children (websockify forks one per client), at one time. */
#define MAXKIDS 512
typedef struct snap {
    double self, reaped; /* the process's own ticks, and those of its reaped children */
    int n, pid[MAXKIDS];
    double ticks[MAXKIDS];
} snap;

static void take_snap(int pid, snap *s) {
    memset(s, 0, sizeof *s);
    s->self = proc_ticks(pid, &s->reaped, NULL);
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d)) && s->n < MAXKIDS) {
        int p = atoi(de->d_name), pp = 0;
        if (p <= 0 || p == pid) continue;
        double t = proc_ticks(p, NULL, &pp);
        if (t >= 0 && pp == pid) s->pid[s->n] = p, s->ticks[s->n++] = t;
    }
    if (d) closedir(d);
}

/* Ticks used between a and b by the process and its children: its own; its living children's
 * (minus what those alive at a had used already); those reaped meanwhile (the parent's cutime
 * grew by their whole life: minus what they had used at a). */
static double snap_delta(const snap *a, const snap *b) {
    if (a->self < 0 || b->self < 0) return 0;
    double t = b->self - a->self + b->reaped - a->reaped;
    for (int i = 0; i < b->n; i++) {
        double before = 0;
        for (int j = 0; j < a->n; j++)
            if (a->pid[j] == b->pid[i]) before = a->ticks[j];
        t += b->ticks[i] - before;
    }
    for (int j = 0; j < a->n; j++) {
        int alive = 0;
        for (int i = 0; i < b->n; i++)
            alive |= a->pid[j] == b->pid[i];
        if (!alive) t -= a->ticks[j];
    }
    return t;
}

static snap cpu0[MAXCPU], cpu1[MAXCPU];
static struct rusage ru0, ru1;

static void cpu_mark(snap *into, struct rusage *ru) {
    for (int i = 0; i < opt.ncpu; i++)
        take_snap(opt.cpu_pid[i], &into[i]);
    getrusage(RUSAGE_SELF, ru);
}

static double tv(struct timeval t) {
    return t.tv_sec + t.tv_usec * 1e-6;
}

/* ---- sockets ---- */

static void arm(conn *c, int out) {
    if (c->armed_out == out) return;
    c->armed_out = out;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
}

static void fail(conn *c, int why) {
    if (c->state == C_DONE || c->state == C_FAILED) return;
    c->state = C_FAILED;
    c->why = why;
    errors[why]++;
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
}

static void finish(conn *c) {
    if (c->state == C_DONE || c->state == C_FAILED) return;
    c->state = C_DONE;
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
}

static void flush(conn *c) {
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            fail(c, W_CLOSED);
            return;
        }
        memmove(c->out, c->out + n, c->out_len - (size_t)n);
        c->out_len -= (size_t)n;
    }
    arm(c, c->out_len > 0);
}

/* Queues one binary frame (masked: a client's frames must be) with payload p[0..n), n <= 125. */
static void queue_frame(conn *c, int opcode, const unsigned char *p, size_t n) {
    if (opt.raw) {
        memcpy(c->out + c->out_len, p, n);
        c->out_len += n;
        return;
    }
    unsigned char *f = c->out + c->out_len;
    uint32_t r = (uint32_t)rand();
    unsigned char mask[4] = {r, r >> 8, r >> 16, r >> 24};
    f[0] = 0x80 | (unsigned char)opcode;
    f[1] = 0x80 | (unsigned char)n;
    memcpy(f + 2, mask, 4);
    for (size_t i = 0; i < n; i++)
        f[6 + i] = p[i] ^ mask[i & 3];
    c->out_len += 6 + n;
}

static void send_msg(conn *c) {
    for (int i = 0; i < MSG; i++)
        c->msg[i] = (unsigned char)('a' + (c->id + c->rounds + i) % 26);
    c->got = 0;
    c->waiting = 1;
    queue_frame(c, 2, c->msg, MSG);
    c->t_sent = now();
    flush(c);
}

static void send_bulk_request(conn *c) {
    char cmd[32];
    snprintf(cmd, sizeof cmd, "BULK%012llu", (unsigned long long)opt.bytes);
    memcpy(c->msg, cmd, MSG);
    c->got = 0;
    queue_frame(c, 2, c->msg, MSG);
    c->t_sent = now();
    flush(c);
}

/* ---- what arrives ---- */

static int keep_going(conn *c) {
    switch (opt.mode) {
    case M_LAT:
        return c->rounds < opt.warmup + opt.rounds;
    case M_CONC:
        return !t_win1 || now() < t_win1;
    case M_OPEN:
        return c->rounds < opt.rounds;
    default:
        return 0;
    }
}

static void record(double us) {
    if (nlat == caplat) {
        caplat = caplat ? caplat * 2 : 1 << 16;
        lat = realloc(lat, caplat * sizeof *lat);
        if (!lat) die("realloc");
    }
    lat[nlat++] = us;
}

static void round_done(conn *c) {
    double t = now();
    c->waiting = 0;
    c->rounds++;
    if (opt.mode == M_LAT    ? c->rounds > opt.warmup
        : opt.mode == M_CONC ? measuring && c->t_sent >= t_win0 && t <= t_win1
                             : 1)
        record((t - c->t_sent) * 1e6);
    if (keep_going(c))
        send_msg(c);
    else if (opt.mode != M_CONC)
        finish(c);
}

static void payload(conn *c, const unsigned char *p, size_t n) {
    if (opt.mode == M_BULK) {
        c->bulk_got += n;
        if (c->bulk_got >= opt.bytes) {
            record((now() - c->t_sent) * 1e6);
            finish(c);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!c->waiting || c->got >= MSG || p[i] != c->msg[c->got]) {
            fail(c, W_MISMATCH);
            return;
        }
        if (++c->got == MSG) {
            round_done(c);
            if (c->state != C_OPEN) return;
        }
    }
}

static void control(conn *c) {
    if (c->opcode == 8) { /* close */
        fail(c, W_CLOSED);
    } else if (c->opcode == 9) { /* ping: pong */
        queue_frame(c, 10, c->ctl, (size_t)c->ctl_len);
        flush(c);
    }
}

/* The frames in p[0..n). */
static void frames(conn *c, const unsigned char *p, size_t n) {
    while (n && c->state == C_OPEN) {
        if (!c->in_payload) {
            c->hdr[c->hlen++] = *p++;
            n--;
            if (c->hlen == 2) {
                int l7 = c->hdr[1] & 0x7f;
                if (c->hdr[1] & 0x80) { /* a server does not mask */
                    fail(c, W_PROTOCOL);
                    return;
                }
                c->hneed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
            }
            if (c->hlen >= 2 && c->hlen == c->hneed) {
                int l7 = c->hdr[1] & 0x7f;
                uint64_t len = l7;
                if (l7 == 126) len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
                if (l7 == 127) {
                    len = 0;
                    for (int i = 2; i < 10; i++)
                        len = len << 8 | c->hdr[i];
                }
                c->opcode = c->hdr[0] & 0x0f;
                c->payload_left = len;
                c->in_payload = 1;
                c->ctl_len = 0;
                c->hlen = 0;
                if (c->opcode >= 8 && len > 125) {
                    fail(c, W_PROTOCOL);
                    return;
                }
                if (!len) {
                    c->in_payload = 0;
                    if (c->opcode >= 8) control(c);
                }
            }
            continue;
        }
        size_t take = n < c->payload_left ? n : (size_t)c->payload_left;
        if (c->opcode >= 8) {
            memcpy(c->ctl + c->ctl_len, p, take);
            c->ctl_len += (int)take;
        } else {
            payload(c, p, take);
        }
        p += take;
        n -= take;
        c->payload_left -= take;
        if (!c->payload_left) {
            c->in_payload = 0;
            if (c->opcode >= 8 && c->state == C_OPEN) control(c);
        }
    }
}

static void opened(conn *c) {
    c->state = C_OPEN;
    c->t_open = now();
    if (opt.mode == M_BULK)
        send_bulk_request(c);
    else
        send_msg(c);
}

static void handshake_in(conn *c, const unsigned char *p, size_t n) {
    size_t room = sizeof c->hs - 1 - c->hs_len;
    size_t take = n < room ? n : room;
    memcpy(c->hs + c->hs_len, p, take);
    c->hs_len += take;
    c->hs[c->hs_len] = 0;
    char *end = strstr(c->hs, "\r\n\r\n");
    if (!end) {
        if (c->hs_len == sizeof c->hs - 1) fail(c, W_HANDSHAKE);
        return;
    }
    if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) {
        if (getenv("WSLOAD_DEBUG")) fprintf(stderr, "wsload: refused: %.200s\n", c->hs);
        fail(c, W_HANDSHAKE);
        return;
    }
    /* bytes after the headers are frames already */
    size_t used = (size_t)(end + 4 - c->hs), extra = c->hs_len - used;
    opened(c);
    if (extra && c->state == C_OPEN) frames(c, (unsigned char *)c->hs + used, extra);
    if (take < n && c->state == C_OPEN) frames(c, p + take, n - take);
}

static void send_handshake(conn *c) {
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n"
                     "Origin: http://%s:%d\r\n%s%s%s\r\n",
                     opt.path, opt.host, opt.port, opt.host, opt.port,
                     opt.token ? "Authorization: Bearer " : "", opt.token ? opt.token : "",
                     opt.token ? "\r\n" : "");
    /* the request is small: a fresh socket takes it at once */
    if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        fail(c, W_CONNECT);
        return;
    }
    c->state = C_HANDSHAKE;
    arm(c, 0);
}

static void connected(conn *c) {
    if (opt.raw)
        opened(c);
    else
        send_handshake(c);
}

static void start(conn *c, int id) {
    memset(c, 0, sizeof *c);
    c->id = id;
    c->t_connect = now();
    if (opt.raw) {
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", opt.unix_path);
        if (c->fd < 0) die("socket");
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
        c->armed_out = 1;
        c->state = C_CONNECTING;
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) /* EAGAIN: backlog full */
            fail(c, W_CONNECT);
        return;
    }
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    inet_pton(AF_INET, opt.host, &sa.sin_addr);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
    c->armed_out = 1;
    c->state = C_CONNECTING;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
        fail(c, W_CONNECT);
}

static unsigned char rbuf[1 << 20];

static void on_event(conn *c, uint32_t events) {
    if (c->state >= C_DONE) return;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (events & (EPOLLERR | EPOLLHUP))) {
            fail(c, W_CONNECT);
            return;
        }
        if (events & EPOLLOUT) connected(c);
        return; /* (level-triggered: what came in is seen next time) */
    }
    if ((events & EPOLLOUT) && c->out_len) flush(c);
    if (c->state != C_OPEN && c->state != C_HANDSHAKE) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (int i = 0; i < 16 && (c->state == C_OPEN || c->state == C_HANDSHAKE); i++) {
            ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
            if (n <= 0) {
                fail(c, c->state == C_HANDSHAKE ? W_HANDSHAKE : W_CLOSED);
                return;
            }
            if (c->state == C_HANDSHAKE)
                handshake_in(c, rbuf, (size_t)n);
            else if (opt.raw)
                payload(c, rbuf, (size_t)n);
            else
                frames(c, rbuf, (size_t)n);
            if ((size_t)n < sizeof rbuf) break;
        }
    }
}

/* ---- results ---- */

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void print_cpu(double wall) {
    double hz = (double)sysconf(_SC_CLK_TCK);
    printf(",\"cpu\":{\"client\":%.1f",
           100 * (tv(ru1.ru_utime) + tv(ru1.ru_stime) - tv(ru0.ru_utime) - tv(ru0.ru_stime)) /
               wall);
    for (int i = 0; i < opt.ncpu; i++)
        printf(",\"%s\":%.1f", opt.cpu_name[i], 100 * snap_delta(&cpu0[i], &cpu1[i]) / hz / wall);
    printf("}");
}

static void usage(void) {
    fprintf(stderr, "usage: wsload lat N | conc C SECS | bulk BYTES | open C ROUNDS "
                    "[--host H --port P --path PATH --token T | --unix SOCKET] [--cpu NAME:PID]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 3) usage();
    int i = 1;
    const char *m = argv[i++];
    if (!strcmp(m, "lat")) {
        opt.mode = M_LAT;
        opt.rounds = atol(argv[i++]);
    } else if (!strcmp(m, "conc") && argc > 3) {
        opt.mode = M_CONC;
        opt.n = atol(argv[i++]);
        opt.secs = atof(argv[i++]);
    } else if (!strcmp(m, "bulk")) {
        opt.mode = M_BULK;
        opt.bytes = strtoull(argv[i++], NULL, 10);
    } else if (!strcmp(m, "open") && argc > 3) {
        opt.mode = M_OPEN;
        opt.n = atol(argv[i++]);
        opt.rounds = atol(argv[i++]);
    } else {
        usage();
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        i++;
        if (!strcmp(a, "--host"))
            opt.host = v;
        else if (!strcmp(a, "--port"))
            opt.port = atoi(v);
        else if (!strcmp(a, "--path"))
            opt.path = v;
        else if (!strcmp(a, "--token"))
            opt.token = v;
        else if (!strcmp(a, "--unix"))
            opt.unix_path = v, opt.raw = 1;
        else if (!strcmp(a, "--warmup"))
            opt.warmup = atol(v);
        else if (!strcmp(a, "--warmup-s"))
            opt.warmup_s = atof(v);
        else if (!strcmp(a, "--timeout"))
            opt.timeout = atof(v);
        else if (!strcmp(a, "--cpu") && opt.ncpu < MAXCPU && strchr(v, ':')) {
            snprintf(opt.cpu_name[opt.ncpu], sizeof opt.cpu_name[0], "%.*s",
                     (int)(strchr(v, ':') - v), v);
            opt.cpu_pid[opt.ncpu++] = atoi(strchr(v, ':') + 1);
        } else
            usage();
    }
    if (opt.mode == M_LAT || opt.mode == M_BULK) opt.n = 1;
    srand((unsigned)getpid());
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)opt.n, sizeof *conns);
    if (ep < 0 || !conns) die("setup");

    if (opt.mode == M_OPEN) cpu_mark(cpu0, &ru0);
    double t_start = now(), deadline = t_start + opt.timeout;
    if (opt.mode == M_LAT || opt.mode == M_BULK) deadline = t_start + 600;
    if (opt.mode == M_CONC) deadline = t_start + opt.timeout + opt.warmup_s + opt.secs;
    for (long k = 0; k < opt.n; k++)
        start(&conns[k], (int)k);
    if (opt.mode == M_LAT || opt.mode == M_BULK) cpu_mark(cpu0, &ru0), t_win0 = now();
    if (opt.mode == M_OPEN) t_win0 = t_start;

    struct epoll_event evs[256];
    for (;;) {
        long live = 0, open = 0;
        for (long k = 0; k < opt.n; k++) {
            live += conns[k].state < C_DONE;
            open += conns[k].state == C_OPEN;
        }
        if (opt.mode == M_CONC) {
            double t = now();
            if (!measuring &&
                open + errors[W_CONNECT] + errors[W_HANDSHAKE] + errors[W_CLOSED] >= opt.n) {
                /* every connection is up (or failed): warm up, then measure */
                if (!t_win0) t_win0 = t + opt.warmup_s;
                if (t >= t_win0) {
                    cpu_mark(cpu0, &ru0);
                    t_win0 = now();
                    t_win1 = t_win0 + opt.secs;
                    measuring = 1;
                }
            }
            if (measuring && t >= t_win1) break;
        }
        if (!live) break;
        if (now() > deadline) {
            for (long k = 0; k < opt.n; k++)
                if (conns[k].state < C_DONE) fail(&conns[k], W_TIMEOUT);
            break;
        }
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int k = 0; k < n; k++)
            on_event(evs[k].data.ptr, evs[k].events);
    }
    double t_end = now();
    if (opt.mode == M_CONC) t_end = t_win1;
    cpu_mark(cpu1, &ru1);
    double wall = t_end - t_win0;

    qsort(lat, nlat, sizeof *lat, cmp);
    long nerr = 0;
    for (int k = 1; k < W_N; k++)
        nerr += errors[k];
    printf("{\"mode\":\"%s\",\"peer\":\"%s\"", m, opt.raw ? "direct" : "ws");
    if (opt.mode == M_LAT || opt.mode == M_CONC || opt.mode == M_OPEN) {
        printf(",\"connections\":%ld,\"round_trips\":%zu,\"median_us\":%.1f,\"p90_us\":%.1f,"
               "\"p99_us\":%.1f,\"max_us\":%.1f",
               opt.n, nlat, pct(lat, nlat, 50), pct(lat, nlat, 90), pct(lat, nlat, 99),
               nlat ? lat[nlat - 1] : 0.0);
    }
    if (opt.mode == M_CONC) printf(",\"seconds\":%.3f,\"rt_per_s\":%.1f", wall, nlat / wall);
    if (opt.mode == M_BULK) {
        double s = nlat ? lat[0] / 1e6 : 0;
        printf(",\"bytes\":%llu,\"received\":%llu,\"seconds\":%.3f,\"mb_per_s\":%.1f",
               (unsigned long long)opt.bytes, (unsigned long long)conns[0].bulk_got, s,
               s > 0 ? opt.bytes / s / 1e6 : 0.0);
    }
    if (opt.mode == M_OPEN) {
        /* time from connect() to the 101 (or to open, raw) */
        double *hs = calloc((size_t)opt.n, sizeof *hs);
        size_t nh = 0;
        for (long k = 0; k < opt.n; k++)
            if (conns[k].t_open > 0) hs[nh++] = (conns[k].t_open - conns[k].t_connect) * 1e6;
        qsort(hs, nh, sizeof *hs, cmp);
        long ok = 0;
        for (long k = 0; k < opt.n; k++)
            ok += conns[k].state == C_DONE && conns[k].rounds >= opt.rounds;
        printf(",\"rounds_each\":%ld,\"ok\":%ld,\"seconds\":%.3f,\"open_median_us\":%.1f,"
               "\"open_p99_us\":%.1f,\"open_max_us\":%.1f",
               opt.rounds, ok, t_end - t_start, pct(hs, nh, 50), pct(hs, nh, 99),
               nh ? hs[nh - 1] : 0.0);
        free(hs);
    }
    printf(",\"errors\":%ld,\"error_kinds\":{", nerr);
    for (int k = 1, first = 1; k < W_N; k++)
        if (errors[k]) printf("%s\"%s\":%ld", first ? "" : ",", why_names[k], errors[k]), first = 0;
    printf("}");
    print_cpu(wall);
    printf("}\n");
    return 0;
}

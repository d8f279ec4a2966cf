/* The door (gate.h): a listening socket on the loop, and per new connection a peek at its first
 * request head until the head has ended, it is refused, or the wait is over. A peek copies what
 * came so far: the first WAKES_AT_ONCE times the door is woken by each byte more (SO_RCVLOWAT),
 * then it looks every RECHECK_MS, so that a head sent a byte at a time costs a few MB of copying
 * over its 10 s, not the square of its length. */
#include "server/gate.h"
#include "server/conns.h"
#include "server/head.h"
#include "server/server.h"
#include "util/buf.h"
#include "rae/err.h"
#include "util/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* After a refusal, what the client still sends (the body it had started) is read and dropped
 * this long: closing with unread bytes would reset the connection, and a reset may reach the
 * client before it has read the answer. */
#define LINGER_MS 2000
#define ACCEPTS_PER_WAKE 64
#define WAKES_AT_ONCE 16 /* a head comes in one piece, or a few (16 KB: 12 of 1,460 bytes) */
#define RECHECK_MS 100

typedef struct door {
    uv_poll_t poll;
    uv_timer_t timer;
    srv_gate *gate;
    int fd;          /* -1 once lws has it */
    size_t seen;     /* bytes of the head so far (peeked: still in the socket) */
    int wakes;       /* times it was looked at */
    int lingering;   /* answered and shut for writing: reading what still comes, until it ends */
    uint64_t opened; /* uv_now when it was accepted */
    int open;        /* handles not yet closed; the door is freed at 0 */
    struct door *next, **prev;
} door;

struct srv_gate {
    srv *server;
    struct lws_vhost *vhost;
    uv_poll_t listener;
    int fd, port;
    int started; /* the listener is watched on the loop (srv_gate_start) */
    door *doors;
};

/* ---- a door's end ---- */

static void door_closed(uv_handle_t *h) {
    door *d = h->data;
    if (--d->open > 0) return;
    if (d->fd >= 0) close(d->fd);
    free(d);
}

/* The door goes: it no longer counts, its handles close (its socket with them, unless lws has
 * it). */
static void door_end(door *d) {
    *d->prev = d->next;
    if (d->next) d->next->prev = d->prev;
    srv_conns_destroyed(d->gate->server->conns, d);
    uv_close((uv_handle_t *)&d->poll, door_closed);
    uv_close((uv_handle_t *)&d->timer, door_closed);
}

static void set_lowat(int fd, int n) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof n);
}

/* The head may go on: the connection goes to lws, which reads the head itself. */
static void hand_over(door *d) {
    srv_gate *g = d->gate;
    int fd = d->fd;
    set_lowat(fd, 1);
    d->fd = -1;
    srv_conns_move(g->server->conns, d); /* counted under the wsi lws makes next */
    door_end(d); /* its poll handle lets go of the descriptor now, before lws takes it */
    if (!lws_adopt_socket_vhost(g->vhost, fd))
        srv_conns_move(g->server->conns, NULL); /* lws closed it */
}

static const char *phrase(int status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

static void on_timer(uv_timer_t *t);
static void on_readable(uv_poll_t *h, int status, int events);

/* Answers why with its status and a JSON error, shuts the socket for writing and lingers. */
static void refuse(door *d, srv_head_refusal *why) {
    text_utf8_scrub(why->message); /* it may quote the request */
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", why->code, "message", why->message);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    buf out = BUF_INIT;
    buf_printf(&out,
               "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
               "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s%s"
               "Connection: close\r\n\r\n%s",
               why->status, phrase(why->status), body ? strlen(body) : 2,
               why->allow ? "Allow: " : "", why->allow ? why->allow : "", why->allow ? "\r\n" : "",
               body ? body : "{}");
    free(body);
    /* a fresh socket whose head was not read: its send buffer takes a few hundred bytes */
    ssize_t sent = send(d->fd, out.data, out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)sent; /* the client may have gone: it is closed either way */
    buf_free(&out);
    shutdown(d->fd, SHUT_WR);
    set_lowat(d->fd, 1);
    d->lingering = 1;
    uv_poll_start(&d->poll, UV_READABLE, on_readable); /* (again, when it looked by the clock) */
    uv_timer_start(&d->timer, on_timer, LINGER_MS, 0); /* in place of the wait for the head */
}

/* ---- a door's events ---- */

/* Reads and drops what a refused client still sends; the door goes when it has ended. */
static void drain(door *d) {
    char scratch[16384];
    for (int i = 0; i < 8; i++) {
        ssize_t n = recv(d->fd, scratch, sizeof scratch, 0);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        door_end(d);
        return;
    }
}

/* Looks at what came of the head: hands it over, refuses it, or waits on (0: still waiting). */
static int look(door *d) {
    char head[SRV_HEAD_MAX + 1];
    srv_head_refusal why;
    ssize_t n = recv(d->fd, head, sizeof head, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    if (n <= 0) { /* it left, or ended its side before its head did */
        door_end(d);
        return 1;
    }
    size_t end = srv_head_end(head, (size_t)n, d->seen);
    if (end && srv_head_check(head, end, &why) == 0) {
        hand_over(d);
    } else if (end) {
        refuse(d, &why);
    } else if ((size_t)n > SRV_HEAD_MAX) {
        why = (srv_head_refusal){.status = 431, .code = "header_too_large"};
        snprintf(why.message, sizeof why.message,
                 "the request's head (its line and headers) passes %d bytes: send smaller "
                 "headers",
                 SRV_HEAD_MAX);
        refuse(d, &why);
    } else { /* not whole yet */
        d->seen = (size_t)n;
        if (++d->wakes < WAKES_AT_ONCE) {
            set_lowat(d->fd, (int)n + 1); /* woken again when more than this has come */
        } else if (uv_is_active((uv_handle_t *)&d->poll)) { /* a slow one: by the clock */
            uv_poll_stop(&d->poll);
            uv_timer_start(&d->timer, on_timer, RECHECK_MS, 0);
        }
        return 0;
    }
    return 1;
}

static void on_readable(uv_poll_t *h, int status, int events) {
    (void)events;
    door *d = h->data;
    if (status < 0)
        door_end(d);
    else if (d->lingering)
        drain(d);
    else
        look(d);
}

static void on_timer(uv_timer_t *t) {
    door *d = t->data;
    uint64_t waited = uv_now(d->gate->server->loop) - d->opened;
    if (d->lingering) { /* done lingering */
        door_end(d);
        return;
    }
    if (waited < SRV_GATE_WAIT_S * 1000ull) { /* looking by the clock */
        if (!look(d)) {
            uint64_t left = SRV_GATE_WAIT_S * 1000ull - waited;
            uv_timer_start(&d->timer, on_timer, left < RECHECK_MS ? left : RECHECK_MS, 0);
        }
        return;
    }
    if (d->seen == 0) { /* nothing was ever asked */
        door_end(d);
        return;
    }
    srv_head_refusal why = {.status = 408, .code = "too_slow"};
    snprintf(why.message, sizeof why.message,
             "the request's head was still coming %d s after the connection opened (%zu bytes "
             "of it had come)",
             SRV_GATE_WAIT_S, d->seen);
    refuse(d, &why);
}

/* ---- the listener ---- */

/* A new connection on fd from addr: refused (a 503) past a cap of conns.h, else at the door. */
static void admit(srv_gate *g, int fd, const char *addr) {
    srv *s = g->server;
    const char *why;
    if (srv_conns_accept(s->conns, addr, srv_proxies_trust(&s->proxies, addr), &why) < 0) {
        char resp[512];
        int m = srv_conns_busy_response(why, resp, sizeof resp);
        ssize_t sent = send(fd, resp, (size_t)m, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)sent; /* closed either way */
        close(fd);
        return;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    door *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->gate = g;
    d->fd = fd;
    if (uv_poll_init(s->loop, &d->poll, fd) < 0) {
        srv_conns_move(s->conns, NULL);
        close(fd);
        free(d);
        return;
    }
    uv_timer_init(s->loop, &d->timer);
    d->poll.data = d->timer.data = d;
    d->open = 2;
    d->opened = uv_now(s->loop);
    srv_conns_created(s->conns, d);
    d->next = g->doors;
    d->prev = &g->doors;
    if (d->next) d->next->prev = &d->next;
    g->doors = d;
    uv_poll_start(&d->poll, UV_READABLE, on_readable);
    uv_timer_start(&d->timer, on_timer, SRV_GATE_WAIT_S * 1000, 0);
}

static void on_accept(uv_poll_t *h, int status, int events) {
    (void)events;
    srv_gate *g = h->data;
    for (int i = 0; status == 0 && i < ACCEPTS_PER_WAKE; i++) {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        int fd = accept4(g->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* none left (or none now: EMFILE leaves it in the backlog) */
        char addr[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof addr);
        admit(g, fd, addr);
    }
}

/* The IPv4 address of host: an address, or an interface of this machine. */
static int address_of(const char *host, struct in_addr *out) {
    if (inet_pton(AF_INET, host, out) == 1) return 0;
    struct ifaddrs *all;
    int rc = -1;
    if (getifaddrs(&all) < 0) return -1;
    for (struct ifaddrs *i = all; i && rc < 0; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, host) == 0) {
            *out = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            rc = 0;
        }
    freeifaddrs(all);
    return rc;
}

srv_gate *srv_gate_open(srv *s, const char *host, int port, rae_err *err) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (address_of(host, &sa.sin_addr) < 0) {
        rae_err_fail(err, "cannot listen on %s: not an IPv4 address or an interface here", host);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    socklen_t len = sizeof sa;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        rae_err_fail(err, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    srv_gate *g = calloc(1, sizeof *g);
    if (!g) abort();
    *g = (srv_gate){.server = s, .fd = fd, .port = ntohs(sa.sin_port)};
    return g;
}

int srv_gate_start(srv_gate *g, struct lws_vhost *vh, rae_err *err) {
    g->vhost = vh;
    if (!vh || uv_poll_init(g->server->loop, &g->listener, g->fd) < 0)
        return rae_err_fail(err, "cannot watch the listening socket");
    g->listener.data = g;
    g->started = 1;
    uv_poll_start(&g->listener, UV_READABLE, on_accept);
    return 0;
}

int srv_gate_port(const srv_gate *g) {
    return g->port;
}

static void listener_closed(uv_handle_t *h) {
    srv_gate *g = h->data;
    close(g->fd);
    g->fd = -1;
}

void srv_gate_close(srv_gate *g) {
    if (!g || !g->started || uv_is_closing((uv_handle_t *)&g->listener)) return;
    uv_close((uv_handle_t *)&g->listener, listener_closed);
    while (g->doors)
        door_end(g->doors);
}

void srv_gate_free(srv_gate *g) {
    if (g && g->fd >= 0 && !g->started) close(g->fd);
    free(g);
}

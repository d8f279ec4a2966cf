/* The VNC relay: a WebSocket (subprotocol "binary", as noVNC asks) at
 * /api/sprite/{id}/browser/vnc, relaying RFB bytes both ways between the page and the VNC socket
 * of the caller's sprite (/tmp/vnc.sock inside it), on the server's event loop. The session or
 * token is checked before the upgrade; another user's sprite is refused like a missing one. A
 * viewer that comes while the display is not up yet (the browser is starting) is held, trying
 * every 100 ms for up to 15 s, then closed with a code and a reason. Nothing here waits on the
 * sprite: the socket is connected without blocking (rae_sprite_connect), and telling the sprite
 * it is in use runs on a worker thread. */
#include "server/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define VNC_SOCKET "/tmp/vnc.sock"
#define PIECE 262144          /* RFB bytes read from the display, at most, per WebSocket message */
#define WAIT_MS 15000         /* a viewer waits this long for the display to come up */
#define RETRY_MS 100          /* trying to connect this often meanwhile */
#define CLOSE_NO_DISPLAY 1013 /* RFC 6455's "try again later" */

typedef struct vnc_conn {
    int fd;          /* the sprite's VNC socket, nonblocking; -1 when closed */
    uv_poll_t *poll; /* on fd (heap: closed asynchronously) */
    struct lws *wsi;
    unsigned char *out; /* LWS_PRE + PIECE: display -> page, waiting for writable */
    size_t out_len;
    buf to_display; /* page -> display bytes not yet written */
    int display_gone;
    int events; /* what the poll watches now (uv_poll_start costs an epoll DEL + ADD) */
    srv *server;
    char sprite[128];          /* its id */
    char owner[SRV_OWNER_MAX]; /* "user:ID", whose work a touch of the sprite counts as */
    double touched;            /* uv_now (ms) when the sprite was last told it is in use */
    uv_timer_t *retry;         /* while the display is not up (heap: closed asynchronously) */
    double waiting_since;      /* uv_now (ms) when the viewer came */
    char why[96];              /* why the display could not be reached, for the close frame */
    int permanent;             /* ... and waiting will not change it (not a socket) */
    int closing;               /* the close frame went */
} vnc_conn;

static void poll_closed(uv_handle_t *h) {
    free(h);
}

static void update_poll(vnc_conn *v);

static void display_failed(vnc_conn *v) {
    v->display_gone = 1;
    lws_callback_on_writable(v->wsi);
}

/* Writes what waits for the display; the page may send again once it all went. */
static void flush_display(vnc_conn *v) {
    ssize_t n = write(v->fd, v->to_display.data, v->to_display.len);
    if (n > 0) {
        memmove(v->to_display.data, v->to_display.data + n, v->to_display.len - (size_t)n);
        v->to_display.len -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        display_failed(v);
    }
    if (!v->to_display.len) lws_rx_flow_control(v->wsi, 1);
}

#define TOUCH_MS 30000 /* a viewer keeps its sprite from going idle, told this often */

typedef struct touch_job {
    rae_sprites *sprites; /* borrowed from the server */
    char sprite[128];
} touch_job;

static void touch_work(void *arg) {
    touch_job *t = arg;
    rae_sprite_touch(t->sprites, t->sprite, NULL); /* may wake it: starts its services */
}

static void touch_done(srv_req *r, void *arg) {
    (void)r;
    free(arg);
}

/* While bytes flow, the sprite is in use: say so now and then (it would go warm otherwise). */
static void in_use(vnc_conn *v, int now_anyway) {
    double now = (double)uv_now(v->server->loop);
    if (!now_anyway && now - v->touched < TOUCH_MS) return;
    v->touched = now;
    touch_job *t = calloc(1, sizeof *t);
    if (!t) abort();
    t->sprites = v->server->sprites;
    snprintf(t->sprite, sizeof t->sprite, "%s", v->sprite);
    srv_background(v->server, v->owner, touch_work, touch_done, t);
}

static void on_display(uv_poll_t *h, int status, int events) {
    vnc_conn *v = h->data;
    in_use(v, 0);
    if (status < 0) events = UV_READABLE; /* read to learn the error */
    if ((events & UV_READABLE) && v->out_len < PIECE) {
        ssize_t n = read(v->fd, v->out + LWS_PRE + v->out_len, PIECE - v->out_len);
        if (n > 0) {
            if (!v->out_len) lws_callback_on_writable(v->wsi);
            v->out_len += (size_t)n;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            display_failed(v);
        }
    }
    if ((events & UV_WRITABLE) && v->to_display.len) flush_display(v);
    update_poll(v);
}

/* Reads from the display while there is room for it; writes while bytes wait. Changes the poll
 * only when what it watches changes. */
static void update_poll(vnc_conn *v) {
    int events = v->display_gone ? 0
                                 : (v->out_len < PIECE ? UV_READABLE : 0) |
                                       (v->to_display.len ? UV_WRITABLE : 0);
    if (!v->poll || events == v->events) return;
    v->events = events;
    if (events)
        uv_poll_start(v->poll, events, on_display);
    else
        uv_poll_stop(v->poll);
}

/* Checks the caller; 0 when the upgrade may go on (the display is reached after it). */
static int admit(struct lws *wsi, vnc_conn *v) {
    char id[128];
    srv_req r;
    caller c;
    int ok = api_ws_admit(wsi, "/browser/vnc", &r, &c, id, sizeof id) == 0;
    snprintf(v->sprite, sizeof v->sprite, "%s", ok ? id : "");
    snprintf(v->owner, sizeof v->owner, "user:%lld", c.user.id);
    srv_req_release(&r);
    return ok ? 0 : -1;
}

static void timer_closed(uv_handle_t *h) {
    free(h);
}

static void stop_retry(vnc_conn *v) {
    if (!v->retry) return;
    uv_timer_stop(v->retry);
    uv_close((uv_handle_t *)v->retry, timer_closed);
    v->retry = NULL;
}

/* The display is connected: relay from now on. -1 when it cannot be watched. */
static int relay(vnc_conn *v) {
    stop_retry(v);
    v->poll = malloc(sizeof *v->poll);
    if (!v->poll) abort();
    if (uv_poll_init(v->server->loop, v->poll, v->fd) != 0) {
        free(v->poll);
        v->poll = NULL;
        return -1;
    }
    v->poll->data = v;
    in_use(v, 1);
    update_poll(v);
    if (!v->to_display.len) lws_rx_flow_control(v->wsi, 1);
    return 0;
}

/* One attempt at the sprite's display (never waits): 1 connected, 0 not yet (v->why says why). */
static int try_display(vnc_conn *v) {
    rae_err err;
    v->fd = rae_sprite_connect(v->server->sprites, v->sprite, VNC_SOCKET, &err);
    if (v->fd >= 0) return 1;
    int e = errno;
    snprintf(v->why, sizeof v->why, "%s",
             e == ENOENT || e == ECONNREFUSED ? "the sprite's display is not up: no browser runs"
             : e == EAGAIN                    ? "the sprite's display is busy"
                                              : "the sprite's display cannot be reached");
    v->permanent = e != ENOENT && e != ECONNREFUSED && e != EAGAIN; /* not a socket, say */
    if (v->permanent) lwsl_warn("vnc relay for %s: %s\n", v->sprite, err.message);
    return 0;
}

static void on_retry(uv_timer_t *t) {
    vnc_conn *v = t->data;
    if (try_display(v)) {
        if (relay(v) < 0) display_failed(v);
        return;
    }
    if (!v->permanent && (double)uv_now(v->server->loop) - v->waiting_since < WAIT_MS) return;
    stop_retry(v);
    display_failed(v); /* the close frame says v->why */
}

static int establish(struct lws *wsi, vnc_conn *v) {
    v->wsi = wsi;
    v->fd = -1;
    v->out = malloc(LWS_PRE + PIECE);
    if (!v->out) abort();
    v->server = lws_context_user(lws_get_context(wsi));
    if (try_display(v)) return relay(v);
    if (v->permanent) {
        display_failed(v);
        return 0;
    }
    lws_rx_flow_control(wsi, 0); /* the page's bytes wait for the display */
    v->waiting_since = (double)uv_now(v->server->loop);
    v->retry = malloc(sizeof *v->retry);
    if (!v->retry) abort();
    uv_timer_init(v->server->loop, v->retry);
    v->retry->data = v;
    uv_timer_start(v->retry, on_retry, RETRY_MS, RETRY_MS);
    return 0;
}

static void finish(vnc_conn *v) {
    stop_retry(v);
    if (v->poll) {
        uv_poll_stop(v->poll);
        uv_close((uv_handle_t *)v->poll, poll_closed);
        v->poll = NULL;
    }
    if (v->fd >= 0) close(v->fd);
    v->fd = -1;
    free(v->out);
    v->out = NULL;
    buf_free(&v->to_display);
}

size_t srv_vnc_session_size(void) {
    return sizeof(vnc_conn);
}

int srv_vnc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len) {
    vnc_conn *v = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!v) return -1;
        v->fd = -1;
        return admit(wsi, v); /* nonzero: the upgrade is refused */
    case LWS_CALLBACK_ESTABLISHED:
        return establish(wsi, v);
    case LWS_CALLBACK_RECEIVE:
        if (v->fd >= 0 && !v->to_display.len &&
            !v->display_gone) { /* straight to the display when it takes it */
            ssize_t n = write(v->fd, in, len);
            if (n == (ssize_t)len) return 0;
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                display_failed(v);
                return 0;
            }
            if (n > 0) in = (char *)in + n, len -= (size_t)n;
        }
        buf_append(&v->to_display, in, len);
        lws_rx_flow_control(wsi, 0); /* until the display has taken it */
        update_poll(v);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (v->out_len) {
            if (lws_write(wsi, v->out + LWS_PRE, v->out_len, LWS_WRITE_BINARY) < (int)v->out_len)
                return -1;
            v->out_len = 0;
            update_poll(v);
        }
        if (!v->display_gone || v->closing) return 0;
        v->closing = 1; /* the display closed, or never came up: so does the page's socket */
        return api_ws_close(wsi, v->fd < 0 ? CLOSE_NO_DISPLAY : 1000,
                            v->fd < 0 ? v->why : "the sprite's display closed");
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (v) finish(v);
        return 0;
    default:
        return 0;
    }
}

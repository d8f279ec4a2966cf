/* The VNC relay: a WebSocket (subprotocol "binary", as noVNC asks) at
 * /api/sprite/{id}/browser/vnc, relaying RFB bytes both ways between the page and the VNC socket
 * of the caller's sprite (/tmp/vnc.sock inside it), on the server's event loop. The session or
 * token is checked before the upgrade; another user's sprite is refused like a missing one. */
#include "server/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define VNC_SOCKET "/tmp/vnc.sock"
#define PIECE 262144 /* RFB bytes read from the display, at most, per WebSocket message */

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
    char sprite[128]; /* its id */
    double touched;   /* uv_now (ms) when the sprite was last told it is in use */
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

/* While bytes flow, the sprite is in use: say so now and then (it would go warm otherwise). */
static void in_use(vnc_conn *v) {
    double now = (double)uv_now(v->server->loop);
    if (now - v->touched < TOUCH_MS) return;
    v->touched = now;
    rae_sprite_touch(v->server->sprites, v->sprite, NULL, 0);
}

static void on_display(uv_poll_t *h, int status, int events) {
    vnc_conn *v = h->data;
    in_use(v);
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

/* Checks the caller and opens the display; 0 when the upgrade may go on. */
static int admit(struct lws *wsi, vnc_conn *v) {
    char id[128], err[512];
    srv_req r;
    caller c;
    int ok = api_ws_admit(wsi, "/browser/vnc", &r, &c, id, sizeof id) == 0;
    v->fd = ok ? rae_sprite_connect(r.server->sprites, id, VNC_SOCKET, err, sizeof err) : -1;
    snprintf(v->sprite, sizeof v->sprite, "%s", ok ? id : "");
    if (ok && v->fd < 0) lwsl_warn("vnc relay for %s: %s\n", id, err);
    srv_req_release(&r);
    return v->fd < 0 ? -1 : 0;
}

static int establish(struct lws *wsi, vnc_conn *v) {
    v->wsi = wsi;
    v->out = malloc(LWS_PRE + PIECE);
    v->poll = malloc(sizeof *v->poll);
    if (!v->out || !v->poll) abort();
    fcntl(v->fd, F_SETFL, fcntl(v->fd, F_GETFL) | O_NONBLOCK);
    v->server = lws_context_user(lws_get_context(wsi));
    v->touched = (double)uv_now(v->server->loop); /* the connect just did */
    if (uv_poll_init(v->server->loop, v->poll, v->fd) != 0) {
        free(v->poll);
        v->poll = NULL;
        return -1;
    }
    v->poll->data = v;
    update_poll(v);
    return 0;
}

static void finish(vnc_conn *v) {
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
        if (!v->to_display.len && !v->display_gone) { /* straight to the display when it takes it */
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
        return v->display_gone ? -1 : 0; /* the display closed: so does the page's socket */
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (v) finish(v);
        return 0;
    default:
        return 0;
    }
}

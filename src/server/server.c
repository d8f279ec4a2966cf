/* rae serve: the store and the sprites opened, libwebsockets on a libuv loop behind rae's door
 * (gate.h; lws listens itself under TLS), until SIGINT or SIGTERM. */
#include "server/llm.h"
#include "server/conns.h"
#include "server/gate.h"
#include "server/head.h"
#include "server/runs.h"
#include "server/ws.h"
#include "rae/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct loop_state {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    struct lws_context *ctx;
    srv_gate *gate;                    /* without TLS: where connections come in (owned) */
    struct lws_protocols protocols[4]; /* lws keeps pointing at them */
    srv *server;
} loop_state;

/* "HOST:PORT" into host and port. */
static int parse_listen(const char *spec, char *host, size_t n, int *port, rae_err *err) {
    const char *colon = strrchr(spec, ':');
    char *end;
    long p = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == spec || *end || p < 0 || p > 65535 || (size_t)(colon - spec) >= n)
        return rae_err_set(err, RAE_E_INVALID,
                           "--listen wants HOST:PORT (e.g. 127.0.0.1:8080; port 0: any free one), "
                           "not '%s'",
                           spec);
    snprintf(host, n, "%.*s", (int)(colon - spec), spec);
    *port = (int)p;
    return 0;
}

static void on_signal(uv_signal_t *h, int signum) {
    loop_state *ls = h->data;
    fprintf(stderr, "rae: %s: stopping\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
    uv_signal_stop(&ls->sigint);
    uv_signal_stop(&ls->sigterm);
    ls->server->stopping = 1;
    runs_stop_all(ls->server);
    srv_gate_close(ls->gate);
    /* closes the listeners and connections: the loop runs out; with a foreign loop lws frees the
     * rest in a second lws_context_destroy() once the loop has stopped (rae_serve does it) */
    lws_context_destroy(ls->ctx);
}

static void log_line(int level, const char *line) {
    if (level & (LLL_ERR | LLL_WARN)) fprintf(stderr, "rae: lws: %s", line);
}

/* The lws context on our libuv loop, listening on host:port. */
static struct lws_context *make_context(srv *s, loop_state *ls, const char *host, int port,
                                        rae_err *err) {
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    void *loops[] = {&ls->loop};
    /* without TLS rae's door listens and hands lws each connection whose first head it passed;
     * under TLS the head cannot be read before lws, which listens itself */
    info.port = s->tls ? port : CONTEXT_PORT_NO_LISTEN_SERVER;
    info.iface = host;
    /* plain HTTP for the API; "binary" (what noVNC asks for) for the VNC relay */
    size_t http_size = sizeof(srv_req) > srv_ws_slot_size() ? sizeof(srv_req) : srv_ws_slot_size();
    ls->protocols[0] = /* and the WebSockets that name no subprotocol (ws.c) */
        (struct lws_protocols){"http", srv_http_callback, http_size, 65536, 0, NULL, 0};
    ls->protocols[1] = (struct lws_protocols){
        "binary", srv_vnc_callback, srv_vnc_session_size(), 65536, 0, NULL, 0};
    /* an engineer run's events */
    ls->protocols[2] = (struct lws_protocols){
        "rae-events", srv_stream_callback, srv_stream_session_size(), 4096, 0, NULL, 0};
    info.protocols = ls->protocols;
    info.user = s;
    info.foreign_loops = loops;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (s->o->tls_cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = s->o->tls_cert;
        info.ssl_private_key_filepath = s->o->tls_key;
    }
    info.server_string = "rae";
    /* room for what the door lets through (SRV_HEAD_MAX bytes, lws keeps them decoded, with 8
     * bytes more per header it does not know), and for big Cookie headers (rae answers 431 past
     * its own buffers); past this lws drops the connection without a word, before rae is called:
     * a kept-alive connection's later requests, and every request under TLS */
    info.max_http_header_data = SRV_HEAD_MAX + SRV_HEAD_LINES_MAX * 16 + 4096;
    lws_set_log_level(LLL_ERR | LLL_WARN, log_line);
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx)
        rae_err_fail(err, "cannot listen on %s:%d (taken, or not an address here?)", host, port);
    return ctx;
}

/* Store handles for worker threads: this bounds the sign-ins hashing at once (argon2id: 64 MiB
 * each); routes.c lets 8 sign-ins be in flight, so a few may wait for a handle. */
enum { STORE_WORKER_HANDLES = 4 };

/* The store (opened once, kept until the end), the sprites, and what the last server left. */
static int open_state(srv *s, rae_err *err) {
    const char *data = s->data_dir = s->o->data_dir ? s->o->data_dir : "./data";
    s->store = rae_store_open(data, err);
    if (!s->store) return -1;
    s->pool = rae_store_pool_open(data, STORE_WORKER_HANDLES, err);
    if (!s->pool) return -1;
    rae_sprite_local_opts so = {.data_dir = data,
                                .allow_net = s->o->allow_net,
                                .n_allow_net = s->o->n_allow_net,
                                .max_sprites = s->o->max_sprites};
    s->sprites = rae_sprites_local(&so, err);
    if (!s->sprites) return -1;
    s->llm = llm_new(s->o, data, err);
    if (!s->llm) return -1;
    runs_reattach(s); /* what the last server left running */
    return 0;
}

static void first_run_link(srv *s) {
    if (rae_store_user_count(s->store) > 0) return;
    char token[128];
    rae_err err;
    if (rae_store_setup_token(s->store, token, sizeof token, &err) < 0) {
        fprintf(stderr, "rae: no user yet, and no sign-in link: %s\n", err.message);
        return;
    }
    printf("No user yet. Create the first (admin) account at:\n  %s/setup?token=%s\n"
           "(the link works once, for 24 hours; or run 'rae user add NAME --admin')\n",
           s->public_url, token);
}

int rae_serve(const rae_serve_opts *o, rae_err *err) {
    char host[256];
    int port = 0;
    if (parse_listen(o->listen ? o->listen : "127.0.0.1:8080", host, sizeof host, &port, err) < 0)
        return -1;
    if (!o->tls_cert != !o->tls_key)
        return rae_err_set(err, RAE_E_INVALID, "--tls-cert and --tls-key go together");
    srv s = {.o = o, .tls = o->tls_cert != NULL};
    if (srv_proxies_parse(&s.proxies, o->trusted_proxies, o->n_trusted_proxies, err) < 0) return -1;
    s.conns = srv_conns_new();
    loop_state ls;
    memset(&ls, 0, sizeof ls);
    ls.server = &s;
    int rc = open_state(&s, err), loop_ok = 0;
    if (rc == 0 && !(loop_ok = uv_loop_init(&ls.loop) == 0))
        rc = rae_err_fail(err, "uv_loop_init failed");
    s.loop = &ls.loop;
    if (rc == 0 && !s.tls && !(ls.gate = srv_gate_open(&s, host, port, err))) rc = -1;
    if (rc == 0) ls.ctx = make_context(&s, &ls, host, port, err);
    if (rc == 0 && ls.ctx && ls.gate &&
        srv_gate_start(ls.gate, lws_get_vhost_by_name(ls.ctx, "default"), err) < 0)
        rc = -1;
    if (rc == 0 && ls.ctx) {
        if (ls.gate)
            port = srv_gate_port(ls.gate);
        else if (port == 0) /* the kernel chose */
            port = lws_get_vhost_listen_port(lws_get_vhost_by_name(ls.ctx, "default"));
        if (o->public_url)
            snprintf(s.public_url, sizeof s.public_url, "%s", o->public_url);
        else
            snprintf(s.public_url, sizeof s.public_url, "%s://%s:%d", s.tls ? "https" : "http",
                     host, port);
        uv_signal_init(&ls.loop, &ls.sigint);
        uv_signal_init(&ls.loop, &ls.sigterm);
        ls.sigint.data = ls.sigterm.data = &ls;
        uv_signal_start(&ls.sigint, on_signal, SIGINT);
        uv_signal_start(&ls.sigterm, on_signal, SIGTERM);
        printf("rae serve: listening on %s\n", s.public_url);
        first_run_link(&s);
        fflush(stdout);
        rae_sprites_on_loop(s.sprites); /* what may block is refused on this thread from now */
        uv_run(&ls.loop, UV_RUN_DEFAULT);
        uv_close((uv_handle_t *)&ls.sigint, NULL);
        uv_close((uv_handle_t *)&ls.sigterm, NULL);
        uv_run(&ls.loop, UV_RUN_DEFAULT);
    } else if (rc == 0) {
        rc = -1;
    }
    if (ls.ctx) lws_context_destroy(ls.ctx);
    if (loop_ok) uv_loop_close(&ls.loop);
    srv_gate_free(ls.gate);
    llm_free(s.llm); /* its threads use the sprites */
    rae_sprites_free(s.sprites);
    rae_store_pool_close(s.pool); /* every job has ended: the loop ran out */
    rae_store_close(s.store);
    srv_conns_free(s.conns);
    return rc;
}

/* The server's state, shared by its parts: server.c (start, loop, stop), http.c (requests),
 * routes.c (the API). One per process, owned by rae_serve(). */
#ifndef RAE_SERVER_SERVER_H
#define RAE_SERVER_SERVER_H

#include "rae/server.h"
#include "server/proxy.h"
#include "rae/sprite.h"
#include "rae/store.h"

typedef struct srv {
    const rae_serve_opts *o;
    rae_store *store;        /* owned: the loop's handle */
    rae_store_pool *pool;    /* owned: store handles that worker threads borrow (sign-in, setup) */
    rae_sprites *sprites;    /* owned */
    struct uv_loop_s *loop;  /* the event loop (borrowed) */
    const char *data_dir;    /* borrowed from o, or "./data" */
    int tls;                 /* cookies get Secure */
    int stopping;            /* SIGINT/SIGTERM came: no new work starts */
    struct run_log *runs;    /* live engineer runs (runs.c) */
    struct srv_llm *llm;     /* owned: the model provider and the runs' gateways (llm.c) */
    struct srv_task *tasks;  /* work on the worker threads (http.c) */
    srv_proxies proxies;     /* --trusted-proxy */
    struct srv_conns *conns; /* connections per address (conns.c); owned */
    char public_url[512];
} srv;

#endif

/* server: `rae serve`, the HTTP/WebSocket service behind the web app — accounts, sprites, the
 * browser in a sprite, captures, engineer runs, files and checkpoints (see docs/api.md). */
#ifndef RAE_SERVER_H
#define RAE_SERVER_H

#include <stddef.h>

#include "rae/err.h"

typedef struct rae_serve_opts {
    const char *listen;             /* "HOST:PORT" (default 127.0.0.1:8080) */
    const char *data_dir;           /* the store, the sprites (default ./data) */
    const char *public_url;         /* how people reach it, for links (default http://LISTEN) */
    const char *tls_cert, *tls_key; /* PEM files: HTTPS (and Secure cookies) */
    const char *web_root;           /* the web app from this dir (NULL: the one built in) */
    const char *const *allow_net;   /* sprites may reach these "HOST:PORT" */
    size_t n_allow_net;
    const char *const *trusted_proxies; /* "ADDR" or "ADDR/BITS": X-Forwarded-For is theirs */
    size_t n_trusted_proxies;
    int max_sprites; /* sprites the data dir may hold, one per user (0: the driver's 16) */
    /* The AI engineer's model provider (NULL: none, unless a user keeps their own key) */
    const char *llm_provider; /* "anthropic" or "openai" */
    const char *llm_model;    /* NULL: the price table's default for the provider */
    const char *llm_base_url; /* NULL: the provider's own */
    const char *llm_key;      /* the key (borrowed; never sent to a sprite) */
    int llm_max_runs;         /* AI runs a user may have going at once (0: 2) */
} rae_serve_opts;

/* Runs the server until SIGINT/SIGTERM. 0 after a clean stop; -1 + err when it cannot start
 * (the address is taken, the data dir is unusable, ...). */
int rae_serve(const rae_serve_opts *o, rae_err *err);

#endif

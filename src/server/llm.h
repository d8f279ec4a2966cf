/* The AI engineer in rae serve: which model provider a user's runs use (the server's, from
 * `rae serve --llm-*`, or the user's own key, kept sealed in the store with DATA/llm.key), and a
 * gateway per AI run: a thread that holds the key and forwards the run's model requests, which
 * reach it through a socket in the run's sprite (rae_sprite_listen). No key enters a sprite. */
#ifndef RAE_SERVER_LLM_H
#define RAE_SERVER_LLM_H

#include <stddef.h>

#include "rae/err.h"
#include "server/server.h"

typedef struct srv_llm srv_llm;

/* From the serve options; DATA/llm.key (32 random bytes, 0600) is made when missing. NULL + err. */
srv_llm *llm_new(const rae_serve_opts *o, const char *data_dir, rae_err *err);
/* Stops every gateway and waits for their threads (at the server's stop). */
void llm_free(srv_llm *l);

/* What a user's runs use. */
typedef struct llm_choice {
    char provider[16]; /* "anthropic" or "openai" */
    char model[128];
    const char *source; /* "own" or "server" */
    char base_url[512]; /* "" the provider's own */
    char *key;          /* owned (llm_choice_clear wipes it) */
} llm_choice;

/* The choice for user_id (its own key first, else the server's): 0, or -1 with *why saying how to
 * configure one. Reads the store (the loop's handle: quick). */
int llm_choose(srv *s, long long user_id, llm_choice *c, rae_err *why);
void llm_choice_clear(llm_choice *c);
/* AI runs a user may have going at once, and how many user_id has. */
int llm_max_runs(const srv_llm *l);
int llm_runs_of(const srv_llm *l, long long user_id);

/* Seals key for user_id into the store / removes it. 0, or -1 + err. */
int llm_key_keep(srv *s, long long user_id, const char *provider, const char *key, rae_err *err);

/* A gateway for run of user_id in sprite: listens there (on a worker thread: it touches the
 * sprite), then serves in a thread of its own until llm_gate_close; c->key is taken. *inside: the
 * socket's path in the sprite. NULL + err. */
typedef struct llm_gate llm_gate;
llm_gate *llm_gate_open(srv *s, const char *sprite, const char *run, long long user_id,
                        llm_choice *c, char *inside, size_t insiden, rae_err *err);
/* Registers an open gate with the server (on the loop): counted for its user until closed. */
void llm_gate_attach(srv *s, llm_gate *g);
/* Stops the gateway (on the loop, never waiting): the request in flight is cut, its thread ends
 * and removes the socket; llm_free or a later open reaps it. */
void llm_gate_close(srv *s, llm_gate *g);

#endif

/* The AI engineer (`rae engineer --prompt`): a model, told the API model that rae's deterministic
 * engine made (model.json) instead of the HAR, writes task scripts on top of the generated client,
 * runs them, fixes them and finishes, in turns of a tool-use conversation with the Anthropic
 * Messages API or an OpenAI-compatible Chat Completions API. Secrets never reach the provider
 * (ai/redact.h); files are written only inside the output directory; the cost is counted from the
 * provider's own usage and a dated price table. docs/engineer-ai.md says how to use it. */
#ifndef RAE_AI_H
#define RAE_AI_H

#include <stddef.h>

#include "rae/arena.h"
#include "rae/err.h"
#include "rae/har.h"

#include "rae/events.h"

typedef struct ai_options {
    const char *prompt;
    const char *provider; /* "anthropic", "openai"; NULL: by which key the environment has */
    const char *model;    /* NULL: the price table's default for the provider */
    const char *base_url; /* NULL: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else the provider's */
    double max_cost;      /* USD; a turn that would pass it is not started (default 0.50) */
    int max_turns;        /* default 30 */
    long max_tokens;      /* per answer (default 16000) */
    int allow_run;        /* 1 --allow-run, -1 --no-run, 0 ask on a terminal */
    int resume;           /* --continue: go on from DIR/transcript.ndjson */
    const char *from_dir; /* --from: an earlier run's DIR, whose scripts/ it starts from */
    int run_timeout_s;    /* a command's time limit (default 120) */
    int stop_fd; /* readable when the person stops the work (a signalfd of SIGINT...), or -1:
                    what was done is kept, --continue goes on */
    rae_event_fn on_event;
    void *event_user;
    /* The capture's secrets, collected while the engineer read it (ai_secrets_new, and
     * eng_options.on_entry = ai_secrets_entry with entry_user = secrets), borrowed; NULL: the
     * HAR is read again for them. */
    struct ai_redact *secrets;
} ai_options;

ai_options ai_options_default(void);
/* The model a provider ("anthropic", "openai") uses when none is given, into out. */
void ai_model_default(const char *provider, char *out, size_t n);

/* An empty table of secrets, to fill during the engineer's pass (caller frees). */
struct ai_redact *ai_secrets_new(void);
void ai_secrets_free(struct ai_redact *r);
/* The secrets of one entry into the table `secrets` (an eng_options.on_entry). */
void ai_secrets_entry(void *secrets, const har_entry *e, arena *scratch);

/* Whether a model provider is configured (o->provider, or a key in the environment): 1, or 0 with
 * why saying so in one line (RAE_E_INVALID for a provider rae does not know). */
int ai_configured(const ai_options *o, rae_err *why);

/* Runs the AI engineer on the HAR at har_path in dir, where eng_write put the client and
 * model.json. 0 when the model finished; -1 with err filled (a provider's refusal, the budget,
 * the turns, an interruption): the transcript and the files so far are kept either way. */
int ai_engineer(const char *har_path, const char *dir, const ai_options *o, rae_err *err);

/* rae gateway: the key stays with it; the AI engineer reaches it through a UNIX socket
 * (--base-url unix:PATH). */
typedef struct ai_gateway_options {
    const char *socket_path; /* made (0600) and removed at the end, when listen_fd < 0 */
    int listen_fd;           /* >= 0: a listening socket the caller made, accepted on (kept) */
    const char *provider;    /* "anthropic" or "openai" */
    const char *base_url;    /* the provider's; NULL: its own default */
    const char *api_key;
    struct rae_store *store; /* usage recorded for user_id (NULL: not recorded) */
    long long user_id;
    int check_budget; /* the user's monthly budget is checked before each request (in store) */
    const char *run;  /* what usage is recorded under */
    int stop_fd;      /* readable: stop (a signalfd), or -1 */
    int max_requests; /* 0: until stopped */
} ai_gateway_options;

/* Serves requests on o->socket_path until stopped: a budget used up is a 402 answer in the
 * provider's error shape; the key is added; the answer streams back and its usage is recorded.
 * 0, or -1 with err filled when the socket cannot be made. */
int ai_gateway_serve(const ai_gateway_options *o, rae_err *err);

#endif

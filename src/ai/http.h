/* One request to a model provider over libcurl, its streamed answer read as it comes (ai/sse.h,
 * ai/stream.h), and what went wrong said in one vocabulary: the key refused, a rate limit or an
 * overload (with how long to wait), the provider's error, the network, a stream cut short. The
 * retry rules are the caller's (ai/engineer.c). Blocking: never on the server's event loop. */
#ifndef RAE_AI_HTTP_H
#define RAE_AI_HTTP_H

#include <curl/curl.h>

#include "ai/stream.h"

/* Whether the caller wants the work to stop now (Ctrl-C). */
typedef int (*ai_stop_fn)(void *user);

typedef struct ai_endpoint {
    ai_provider provider;
    const char *base_url; /* "https://api.anthropic.com", "https://api.openai.com/v1", or
                             "unix:PATH": rae's gateway, which adds the key (rae gateway) */
    const char *api_key;
    const char *key_var; /* where the key came from ("ANTHROPIC_API_KEY"), for errors */
    long timeout_s;      /* no byte for this long ends the request (0: 300 s) */
} ai_endpoint;

typedef enum ai_fault {
    AI_OK,
    AI_FAULT_AUTH,       /* 401, 403: the key */
    AI_FAULT_BUDGET,     /* 402 (rae gateway): the user's monthly budget is spent */
    AI_FAULT_RATE,       /* 429, rate_limit_error: wait and try again */
    AI_FAULT_OVERLOADED, /* 529, overloaded_error, 503: wait and try again */
    AI_FAULT_SERVER,     /* 500, 502, 504, api_error: try again */
    AI_FAULT_REQUEST,    /* 400, 404, 413...: the request (or the model name) is wrong */
    AI_FAULT_NETWORK,    /* the provider could not be reached */
    AI_FAULT_CUT,        /* the stream ended before the answer did */
    AI_FAULT_PROTOCOL,   /* the stream was not the provider's protocol */
    AI_FAULT_STOPPED     /* the caller asked to stop (Ctrl-C) */
} ai_fault;

typedef struct ai_result {
    ai_fault fault;
    int status;         /* the HTTP status, 0 without an answer */
    double retry_after; /* seconds the provider asked to wait (retry-after), -1 when it did not */
    char message[512];  /* what went wrong, for people */
} ai_result;

/* Whether a fault is one to try again after a wait. */
int ai_fault_retryable(ai_fault f);
/* The URL of the provider's endpoint for ep (caller frees). */
char *ai_http_url(const ai_endpoint *ep);
/* The UNIX socket of rae's gateway when ep goes through one ("unix:PATH"), else NULL. */
const char *ai_http_socket(const ai_endpoint *ep);
/* The request headers for ep: JSON, event stream, the version, the key when ep has one. */
struct curl_slist *ai_http_headers(const ai_endpoint *ep);
/* Sends body (JSON) and reads the answer into s; stop(user) saying yes ends the transfer. */
void ai_http_send(const ai_endpoint *ep, const char *body, ai_stream *s, ai_stop_fn stop,
                  void *user, ai_result *out);

#endif

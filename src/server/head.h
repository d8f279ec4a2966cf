/* A request's head (its request line and headers) as it comes off the socket, before lws parses
 * it (gate.c): where it ends, and whether lws 4.1 takes it as rae means it. lws drops the
 * connection without an answer for a head past its buffer, a NUL in the URL, a header line
 * without a colon, or more header lines and query arguments than it keeps fragments for; it
 * answers in HTML (403) a bad escape, a target that is not a path or a method it does not know;
 * and it resolves ".." and "%2e%2e" and decodes "%2f" in a path before rae sees the path. Each is
 * refused here with a status and a sentence that says what is wrong. Pure functions of bytes
 * (tests/fuzz/fuzz_http.c runs them). */
#ifndef RAE_SERVER_HEAD_H
#define RAE_SERVER_HEAD_H

#include <stddef.h>

#define SRV_HEAD_MAX 16384    /* bytes of a request line and its headers */
#define SRV_HEAD_LINES_MAX 64 /* header lines */
#define SRV_HEAD_ARGS_MAX 24  /* query arguments (lws keeps 94 fragments for these and headers) */
#define SRV_TARGET_MAX 8192   /* bytes of the request target (path and query) */

typedef struct srv_head_refusal {
    int status; /* 400, 405, 414, 431 */
    char code[32];
    char message[256]; /* one sentence; it may quote the request (not yet UTF-8 scrubbed) */
    const char *allow; /* for 405: the Allow header's value, else NULL */
} srv_head_refusal;

/* The length of the head at the start of buf[0..len), through the blank line that ends it (CRLF
 * or a bare LF, as lws takes), or 0 while it has not ended. from: the length of buf when this
 * was last asked (0 the first time): what came before was looked at already. */
size_t srv_head_end(const char *buf, size_t len, size_t from);
/* 0 when head[0..len) (a whole head: srv_head_end's length) may go to lws; else -1 and why. */
int srv_head_check(const char *head, size_t len, srv_head_refusal *why);

#endif

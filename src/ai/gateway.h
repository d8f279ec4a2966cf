/* ai/gateway: what rae gateway parses of a request itself (pure; fuzzed by tests/fuzz/fuzz_http.c).
 */
#ifndef RAE_AI_GATEWAY_H
#define RAE_AI_GATEWAY_H

#include <stddef.h>

#define AI_GATEWAY_BODY_MAX (32u << 20) /* bytes of a request's body */

/* The head of a request (NUL-terminated, its lines ending in CRLF, without the blank line): its
 * path (without the query) into path and its body's length into *length. 0, or the HTTP status
 * that refuses it: 405 (not a POST), 411 (no Content-Length, or more than the body max). */
int ai_gateway_head(const char *head, char *path, size_t pn, long *length);

#endif

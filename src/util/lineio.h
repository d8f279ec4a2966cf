/* lineio: one request line out and one answer line back over a socket, within one overall
 * deadline (connecting not included): what the server asks of a process inside a sprite, which
 * may answer slowly, a byte at a time, or never; and both sides of rae's line-JSON RPC. */
#ifndef RAE_UTIL_LINEIO_H
#define RAE_UTIL_LINEIO_H

#include <jansson.h>
#include <stddef.h>

/* Writes req[0..n) to fd (nonblocking or not), then reads until a newline, the end of the stream,
 * or out holds outlen - 1 bytes; out is NUL-terminated and holds what came. Everything within
 * deadline_ms in all. Returns the bytes read, or -1 with errno (ETIMEDOUT when the deadline
 * passed, EMSGSIZE when the answer was longer than out). */
long lineio_exchange(int fd, const char *req, size_t n, char *out, size_t outlen, int deadline_ms);

/* The line-JSON RPC of rae's UNIX sockets (a sprite's supervisor, a capture's control socket):
 * one JSON object a line each way, one exchange a connection. */

/* The client's side: req out as a line, the answer parsed (caller decrefs), within deadline_ms in
 * all and at most max bytes; NULL when none came in time, or it was no JSON (errno says which). */
json_t *lineio_call(int fd, const json_t *req, size_t max, int deadline_ms);

/* The server's side, one connection: accepts on listen_fd, reads one line (at most max bytes,
 * the client given timeout_ms to send it and to take the answer), answers handle(ctx, req, why)
 * (owned by the caller then; req NULL when the line was no JSON object, why saying so) as one
 * line, and closes the connection. */
typedef json_t *lineio_handler(void *ctx, json_t *req, const char *why);
void lineio_serve_one(int listen_fd, int timeout_ms, size_t max, lineio_handler *handle, void *ctx);

#endif

/* lineio: one request line out and one answer line back over a socket, within one overall
 * deadline (connecting not included): what the server asks of a process inside a sprite, which
 * may answer slowly, a byte at a time, or never. */
#ifndef RAE_UTIL_LINEIO_H
#define RAE_UTIL_LINEIO_H

#include <stddef.h>

/* Writes req[0..n) to fd (nonblocking or not), then reads until a newline, the end of the stream,
 * or out holds outlen - 1 bytes; out is NUL-terminated and holds what came. Everything within
 * deadline_ms in all. Returns the bytes read, or -1 with errno (ETIMEDOUT when the deadline
 * passed, EMSGSIZE when the answer was longer than out). */
long lineio_exchange(int fd, const char *req, size_t n, char *out, size_t outlen, int deadline_ms);

#endif

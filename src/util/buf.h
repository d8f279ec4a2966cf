/* buf: a growable byte string, always NUL-terminated. The buf owns data; buf_free() releases it. */
#ifndef RAE_UTIL_BUF_H
#define RAE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NUL-terminated, or NULL before the first append */
    size_t len, cap;
} buf;

#define BUF_INIT                                                                                   \
    { NULL, 0, 0 }

void buf_free(buf *b);
void buf_reset(buf *b);
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Appends n copies of c. */
void buf_fill(buf *b, char c, size_t n);
/* The contents as a C string ("" when empty); borrowed, valid until the next change. */
const char *buf_str(const buf *b);
/* Hands the storage to the caller (caller frees) and leaves b empty. */
char *buf_take(buf *b);

#endif

/* err: how every function of rae says why it failed. A function that can fail takes `rae_err *err`
 * (NULL when the caller does not care), fills it and returns -1 (or NULL):
 *
 *   rae_err err;
 *   if (rae_sprite_get(d, name, &info, &err) < 0) { fprintf(stderr, "%s\n", err.message); ... }
 *
 * The message is one line that names the place ("sprite 'a': /workspace/x: no such file"). The
 * code says what kind of failure it was, so that a caller decides on it without reading the text:
 * the command line maps codes to exit statuses (src/cli/ only), the server to HTTP statuses. A
 * reader of an input file (HAR, JSON) also says where in it: that is the `at` extension. */
#ifndef RAE_ERR_H
#define RAE_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum rae_errc {
    RAE_E_OK = 0,    /* no error (what rae_err_clear leaves) */
    RAE_E_FAIL,      /* it did not work: the machine, a process, a library, I/O */
    RAE_E_INVALID,   /* bad input: a name, an option, a path that leads out, malformed data */
    RAE_E_NOT_FOUND, /* no such thing (or not the caller's) */
    RAE_E_EXISTS,    /* the name is taken */
    RAE_E_DENIED,    /* wrong password; unknown, expired or used token; a key refused */
    RAE_E_LIMIT,     /* a limit was reached: a budget, a quota, a cap on how many */
    RAE_E_BUSY,      /* in use by something else now: try again later */
} rae_errc;

/* Where in an input a problem is (the HAR reader's and the JSON parser's extension). */
typedef struct rae_err_at {
    size_t line, column; /* 1-based; 0 when unknown */
    size_t offset;       /* byte offset in the input (jv_parse: in the text it was given) */
    long entry;          /* 0-based HAR entry index; -1 when not inside an entry */
    size_t reason;       /* offset in message of the reason, after the place; 0 when none */
} rae_err_at;

typedef struct rae_err {
    rae_errc code;
    char message[512];
    rae_err_at at;
} rae_err;

/* Fills err (when not NULL) with code and the formatted message, the place cleared; returns -1 so
 * that a failing function can end with `return rae_err_set(err, RAE_E_INVALID, "...", ...);`. */
int rae_err_set(rae_err *err, rae_errc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rae_err_set for a function that takes the arguments as a va_list (its own printf-like one). */
int rae_err_vset(rae_err *err, rae_errc code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* rae_err_set with RAE_E_FAIL: the common case. */
int rae_err_fail(rae_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts "PREFIX: " before the message, keeping the code and place: context added on the way up. */
int rae_err_prefix(rae_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies src into dst (when dst is not NULL and not src); returns -1: passing a failure on. */
int rae_err_copy(rae_err *dst, const rae_err *src);
/* No error: code RAE_E_OK, an empty message, no place. */
void rae_err_clear(rae_err *err);
/* The code's name ("invalid", "not_found", ...), for logs and JSON. */
const char *rae_err_name(rae_errc code);

#endif

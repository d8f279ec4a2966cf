#include "rae/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rae_err_vset(rae_err *err, rae_errc code, const char *fmt, va_list ap) {
    if (!err) return -1;
    rae_err_clear(err);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int rae_err_set(rae_err *err, rae_errc code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rae_err_vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int rae_err_fail(rae_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rae_err_vset(err, RAE_E_FAIL, fmt, ap);
    va_end(ap);
    return -1;
}

int rae_err_prefix(rae_err *err, const char *fmt, ...) {
    if (!err) return -1;
    char head[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    size_t h = strlen(head), m = strlen(err->message);
    if (h + 2 + m + 1 > sizeof err->message) m = sizeof err->message - 1 - h - 2;
    memmove(err->message + h + 2, err->message, m);
    memcpy(err->message, head, h);
    memcpy(err->message + h, ": ", 2);
    err->message[h + 2 + m] = '\0';
    if (err->at.reason) err->at.reason += h + 2;
    return -1;
}

int rae_err_copy(rae_err *dst, const rae_err *src) {
    if (dst && dst != src) *dst = *src;
    return -1;
}

void rae_err_clear(rae_err *err) {
    if (!err) return;
    err->code = RAE_E_OK;
    err->message[0] = '\0';
    err->at = (rae_err_at){.entry = -1};
}

const char *rae_err_name(rae_errc code) {
    static const char *const names[] = {"ok",     "fail",   "invalid", "not_found",
                                        "exists", "denied", "limit",   "busy"};
    return (unsigned)code < sizeof names / sizeof *names ? names[code] : "fail";
}

/* The checks of a request's head before lws parses it (head.h). */
#include "server/head.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t srv_head_end(const char *buf, size_t len, size_t from) {
    for (size_t i = from > 2 ? from - 2 : 0; i + 1 < len; i++) {
        if (buf[i] != '\n') continue;
        if (buf[i + 1] == '\n') return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n') return i + 3;
    }
    return 0;
}

static int refuse(srv_head_refusal *why, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(srv_head_refusal *why, int status, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->message, sizeof why->message, fmt, ap);
    va_end(ap);
    why->status = status;
    why->allow = NULL;
    snprintf(why->code, sizeof why->code, "%s", code);
    return -1;
}

/* The line at s[0..end): its length without the line end (LF or CRLF); *next after it. */
static size_t line_at(const char *s, const char *end, const char **next) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl) nl = end;
    *next = nl < end ? nl + 1 : end;
    return (size_t)(nl - s) - (nl > s && nl[-1] == '\r');
}

/* 1 when the path segment seg[0..n) is "." or ".." once %2e is decoded (*dots: how many). */
static int dot_segment(const char *seg, size_t n, int *dots) {
    *dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (seg[i] == '.') {
            (*dots)++;
        } else if (seg[i] == '%' && i + 2 < n && seg[i + 1] == '2' &&
                   (seg[i + 2] == 'e' || seg[i + 2] == 'E')) {
            (*dots)++;
            i += 2;
        } else {
            return 0;
        }
    }
    return *dots == 1 || *dots == 2;
}

/* The target's bytes and escapes: no control character or space, every '%' two hex digits, no
 * NUL; in the path no control character, no encoded slash, no "." or ".." segment. */
static int check_target(const char *t, size_t n, srv_head_refusal *why) {
    if (n == 0 || t[0] != '/')
        return refuse(why, 400, "bad_request",
                      "the request target must be a path that starts with '/' (not a full URL, "
                      "nor '*')");
    if (n > SRV_TARGET_MAX)
        return refuse(why, 414, "uri_too_long", "the URL has %zu bytes: at most %d", n,
                      SRV_TARGET_MAX);
    const char *q = memchr(t, '?', n);
    size_t path_len = q ? (size_t)(q - t) : n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x21 || c == 0x7f)
            return refuse(why, 400, "bad_request",
                          "the URL holds a control character or a space (byte 0x%02x): encode it",
                          c);
        if (c != '%') continue;
        if (i + 2 >= n || text_hex_digit(t[i + 1]) < 0 || text_hex_digit(t[i + 2]) < 0)
            return refuse(why, 400, "bad_request",
                          "a bad percent-escape in the URL at byte %zu ('%.3s'): a '%%' is "
                          "followed by two hex digits",
                          i, t + i);
        int d = text_hex_digit(t[i + 1]) * 16 + text_hex_digit(t[i + 2]);
        if (d == 0) return refuse(why, 400, "bad_request", "the URL holds a NUL byte (%%00)");
        if (i < path_len && (d < 0x20 || d == 0x7f))
            return refuse(why, 400, "bad_request",
                          "the path holds a control character (%%%02X): no name of rae has one", d);
        if (i < path_len && d == '/')
            return refuse(why, 400, "bad_request",
                          "the path holds an encoded slash (%%2F): a path parameter holds no "
                          "'/', and lws would read it as one");
        i += 2;
    }
    for (size_t at = 1; at <= path_len;) {
        const char *slash = memchr(t + at, '/', path_len - at);
        size_t seg = slash ? (size_t)(slash - t) - at : path_len - at;
        int dots;
        if (dot_segment(t + at, seg, &dots))
            return refuse(why, 400, "bad_request",
                          "the path has a '%s' segment: rae does not resolve them (lws would, "
                          "to another route): name the resource itself",
                          dots == 2 ? ".." : ".");
        at += seg + 1;
    }
    size_t args = q ? 1 : 0;
    for (size_t i = path_len; i < n; i++)
        args += t[i] == '&' || t[i] == ';';
    if (args > SRV_HEAD_ARGS_MAX)
        return refuse(why, 414, "uri_too_long", "the URL has %zu query arguments: at most %d", args,
                      SRV_HEAD_ARGS_MAX);
    return 0;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x. */
static int check_request_line(const char *l, size_t n, srv_head_refusal *why) {
    static const char *const methods[] = {"GET",   "POST",    "DELETE", "PUT",
                                          "PATCH", "OPTIONS", "HEAD"};
    const char *sp1 = memchr(l, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l)) : NULL;
    if (!sp1 || !sp2 || sp1 == l)
        return refuse(why, 400, "bad_request",
                      "not an HTTP request line: 'METHOD /path HTTP/1.1' (got '%.*s')",
                      (int)(n < 60 ? n : 60), l);
    size_t m = (size_t)(sp1 - l), v = n - (size_t)(sp2 + 1 - l);
    int known = 0;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        known |= strlen(methods[i]) == m && memcmp(methods[i], l, m) == 0;
    if (!known) {
        refuse(why, 405, "method_not_allowed", "rae serves GET, POST and DELETE, not '%.*s'",
               (int)(m < 40 ? m : 40), l);
        why->allow = "GET, POST, DELETE";
        return -1;
    }
    if (!(v == 8 && (memcmp(sp2 + 1, "HTTP/1.1", 8) == 0 || memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)))
        return refuse(why, 400, "bad_request", "rae speaks HTTP/1.1, not '%.*s'",
                      (int)(v < 40 ? v : 40), sp2 + 1);
    return check_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), why);
}

/* A header line: NAME: VALUE, the name a token, the value without control characters. */
static int check_header(const char *l, size_t n, srv_head_refusal *why) {
    static const char token[] = "!#$%&'*+-.^_`|~0123456789"
                                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (l[0] == ' ' || l[0] == '\t')
        return refuse(why, 400, "bad_request",
                      "a header line starts with a space (an obsolete folded line): '%.*s'",
                      (int)(n < 40 ? n : 40), l);
    const char *colon = memchr(l, ':', n);
    if (!colon)
        return refuse(why, 400, "bad_request", "a header line without a colon: '%.*s'",
                      (int)(n < 40 ? n : 40), l);
    size_t name = (size_t)(colon - l);
    for (size_t i = 0; i < name; i++)
        if (!memchr(token, l[i], sizeof token - 1))
            return refuse(why, 400, "bad_request",
                          "a header name holds '%c' (a space or a character names do not have): "
                          "'%.*s'",
                          l[i] >= 0x20 && l[i] < 0x7f ? l[i] : '?', (int)(n < 40 ? n : 40), l);
    if (name == 0) return refuse(why, 400, "bad_request", "a header line without a name");
    for (size_t i = name + 1; i < n; i++) {
        unsigned char c = (unsigned char)l[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return refuse(why, 400, "bad_request",
                          "the %.*s header holds a control character (0x%02x)",
                          (int)(name < 40 ? name : 40), l, c);
    }
    return 0;
}

int srv_head_check(const char *head, size_t len, srv_head_refusal *why) {
    const char *end = head + len, *next;
    if (memchr(head, 0, len))
        return refuse(why, 400, "bad_request", "the request's head holds a NUL byte");
    if (len > SRV_HEAD_MAX)
        return refuse(why, 431, "header_too_large",
                      "the request's head (its line and headers) has %zu bytes: at most %d", len,
                      SRV_HEAD_MAX);
    size_t n = line_at(head, end, &next);
    if (check_request_line(head, n, why) < 0) return -1;
    int lines = 0;
    for (const char *l = next; l < end; l = next) {
        n = line_at(l, end, &next);
        if (n == 0) break; /* the blank line */
        if (++lines > SRV_HEAD_LINES_MAX)
            return refuse(why, 431, "header_too_large",
                          "the request has more than %d header lines: send fewer",
                          SRV_HEAD_LINES_MAX);
        if (check_header(l, n, why) < 0) return -1;
    }
    return 0;
}

#include "har/scan.h"

#include <string.h>

static int is_ws(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

size_t har_scan_ws(const char *s, size_t n, size_t i) {
    while (i < n && is_ws(s[i]))
        i++;
    return i;
}

size_t har_scan_string(const char *s, size_t n, size_t i) {
    i++; /* opening quote */
    for (;;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q) return (size_t)-1;
        size_t at = (size_t)(q - s);
        /* The quote is escaped when an odd number of backslashes precede it. */
        size_t bs = 0;
        while (at - bs > i && s[at - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0) return at + 1;
        i = at + 1;
    }
}

static int is_scalar_byte(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
}

size_t har_scan_value(const char *s, size_t n, size_t i, const char **why, size_t *where) {
    char stack[HAR_SCAN_MAX_DEPTH];
    size_t depth = 0;
    i = har_scan_ws(s, n, i);
    do {
        if (i >= n) {
            *why = depth ? "unexpected end of file inside an object or array"
                         : "unexpected end of file, a value was expected";
            *where = n;
            return (size_t)-1;
        }
        char c = s[i];
        if (c == '"') {
            size_t end = har_scan_string(s, n, i);
            if (end == (size_t)-1) {
                *why = "unterminated string";
                *where = i;
                return end;
            }
            i = end;
        } else if (c == '{' || c == '[') {
            if (depth == HAR_SCAN_MAX_DEPTH) {
                *why = "nesting too deep";
                *where = i;
                return (size_t)-1;
            }
            stack[depth++] = c == '{' ? '}' : ']';
            i++;
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != c) {
                *why = c == '}' ? "unexpected '}'" : "unexpected ']'";
                *where = i;
                return (size_t)-1;
            }
            depth--;
            i++;
        } else if (c == ',' || c == ':') {
            if (depth == 0) {
                *why = "unexpected separator, a value was expected";
                *where = i;
                return (size_t)-1;
            }
            i++;
        } else if (is_scalar_byte(c)) {
            while (i < n && is_scalar_byte(s[i]))
                i++;
        } else {
            *why = "unexpected character";
            *where = i;
            return (size_t)-1;
        }
        i = har_scan_ws(s, n, i);
    } while (depth > 0);
    return i;
}

void har_scan_position(const char *s, size_t n, size_t off, size_t *line, size_t *column) {
    if (off > n) off = n;
    size_t l = 1, last_nl = 0;
    int seen = 0;
    const char *p = s, *end = s + off;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        l++;
        last_nl = (size_t)(p - s);
        seen = 1;
        p++;
    }
    *line = l;
    *column = seen ? off - last_nl : off + 1;
}

void har_scan_cursor_init(har_scan_cursor *c, const char *s, size_t n) {
    c->s = s;
    c->n = n;
    c->off = 0;
    c->line = 1;
    c->line_start = 0;
}

void har_scan_cursor_at(har_scan_cursor *c, size_t off, size_t *line, size_t *column) {
    if (off > c->n) off = c->n;
    if (off < c->off) har_scan_cursor_init(c, c->s, c->n);
    const char *p = c->s + c->off, *end = c->s + off;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c->line++;
        c->line_start = (size_t)(++p - c->s);
    }
    c->off = off;
    *line = c->line;
    *column = off - c->line_start + 1;
}

/* har_scan: a string-aware JSON skipper over raw bytes. It finds where a value ends without
 * decoding it, so the reader can split `log.entries` into one span per entry. Internal to src/har.
 */
#ifndef RAE_HAR_SCAN_H
#define RAE_HAR_SCAN_H

#include <stddef.h>

#define HAR_SCAN_MAX_DEPTH 4096

/* Index of the first non-whitespace byte at or after i (n when none). */
size_t har_scan_ws(const char *s, size_t n, size_t i);
/* s[i] is '"': index just past the closing quote, or (size_t)-1 when the string is unterminated. */
size_t har_scan_string(const char *s, size_t n, size_t i);
/* Skips one JSON value starting at s[i] (after whitespace). Returns the index just past it, or
 * (size_t)-1 with *why set and *where at the offending byte. Scalars are only delimited, not
 * validated; brackets must match. */
size_t har_scan_value(const char *s, size_t n, size_t i, const char **why, size_t *where);
/* 1-based line and column (in bytes) of offset off. */
void har_scan_position(const char *s, size_t n, size_t off, size_t *line, size_t *column);

/* Line and column of offsets asked for in increasing order, counted on from the last one (an
 * offset before the last starts over from the beginning). */
typedef struct har_scan_cursor {
    const char *s;
    size_t n;
    size_t off, line, line_start; /* the last offset asked for, its line and where that begins */
} har_scan_cursor;

void har_scan_cursor_init(har_scan_cursor *c, const char *s, size_t n);
void har_scan_cursor_at(har_scan_cursor *c, size_t off, size_t *line, size_t *column);

#endif

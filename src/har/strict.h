/* har_strict: the rules of RFC 8259 that rae's lenient JSON reading lets through, checked over
 * the raw text for `har validate`: bytes that are not UTF-8, raw control characters and invalid
 * escapes in strings (errors), lone surrogate escapes and duplicate member names (warnings). Each
 * problem is reported at its exact place with the path of its field. Internal to src/har. */
#ifndef RAE_HAR_STRICT_H
#define RAE_HAR_STRICT_H

#include "har/scan.h"
#include "rae/har_validate.h"
#include "util/json.h"

typedef struct har_strict har_strict;

/* One problem: line and column of its place (0 when unknown), the path of its field (relative to
 * the value checked: "request.url"; "(json)" for malformed JSON), borrowed for the call. */
typedef void (*har_strict_fn)(void *user, har_severity severity, size_t line, size_t column,
                              const char *path, const char *message);

/* Caller frees with har_strict_free. data[0..len) is the reader's text, which every value checked
 * must have been parsed from in place; cur (positions in it) and data are borrowed. */
har_strict *har_strict_new(const char *data, size_t len, har_scan_cursor *cur, har_strict_fn report,
                           void *user);
void har_strict_free(har_strict *c);

/* Checks every string and member name in v (an entry, freshly parsed: its strings undecoded);
 * scratch memory from a. */
void har_strict_value(har_strict *c, jv *v, arena *a);

/* Checks the text outside log.entries in file order: the top-level object, `log` and its other
 * members. At the first log.entries it calls entries(user), which reads the entries through (and
 * checks each with har_strict_value); the walk goes on after them when the reader found their end.
 * Malformed JSON that the reader's scanner lets through (`"version": 1x`) is reported as "(json)".
 */
void har_strict_outline(har_strict *c, har_reader *r, void (*entries)(void *user), void *user);

#endif

/* Internal to src/har: the reader's raw-JSON face (for the validator) and entry conversion. */
#ifndef RAE_HAR_INTERNAL_H
#define RAE_HAR_INTERNAL_H

#include <jansson.h>

#include "rae/har.h"

/* Like har_reader_next, but hands out the entry's JSON (caller decrefs) and its byte offset in the
 * file. 1 on an entry, 0 at the end, -1 on error. */
int har_reader_next_json(har_reader *r, json_t **out, size_t *offset, har_error *err);
/* The whole `log` object without its entries, for the validator (caller decrefs); NULL if absent.
 */
json_t *har_reader_log_header(har_reader *r);

/* The mapped file (after any BOM); borrowed, valid until har_reader_free. */
const char *har_reader_data(const har_reader *r, size_t *len);

/* Converts one entry's JSON into e (strings borrowed from j, which must outlive e; other memory
 * from a). 0 on success, -1 with err->message naming the field. */
int har_entry_from_json(json_t *j, long index, arena *a, har_entry *e, har_error *err);

/* Fills err: "PATH:LINE:COLUMN: entry N: MESSAGE" (parts left out when unknown). */
void har_error_set(har_error *err, const char *path, size_t line, size_t column, long entry,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif

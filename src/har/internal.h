/* Internal to src/har: the reader's raw-JSON face (for the validator) and entry conversion. */
#ifndef RAE_HAR_INTERNAL_H
#define RAE_HAR_INTERNAL_H

#include "rae/err.h"
#include "rae/har.h"
#include "util/json.h"

/* Like har_reader_next, but hands out the entry's JSON (allocated from a) and its byte offset in
 * the file. 1 on an entry, 0 at the end, -1 on a malformed entry (the next call goes on). */
int har_reader_next_json(har_reader *r, arena *a, jv **out, size_t *offset, rae_err *err);
/* The `log` object with its entries left out, for the validator (allocated from a); NULL if absent.
 */
jv *har_reader_log_header(har_reader *r, arena *a);
/* Where log.entries begins (just past its '[') and ends (just past its ']'); the end is 0 until
 * the entries were read through to their ']'. */
size_t har_reader_entries_begin(const har_reader *r);
size_t har_reader_entries_end(const har_reader *r);
/* The mapped file (after any BOM); borrowed, valid until har_reader_free. */
const char *har_reader_data(const har_reader *r, size_t *len);

/* Converts one entry's JSON into e (memory from a, where j must live too). 0 on success, -1 with
 * err->message naming the field. */
int har_entry_from_json(jv *j, long index, arena *a, har_entry *e, rae_err *err);

/* Fills err: "PATH:LINE:COLUMN: entry N: MESSAGE" (parts left out when unknown). */
void har_error_set(rae_err *err, const char *path, size_t line, size_t column, long entry,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif

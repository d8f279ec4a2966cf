/* journal: the crash-safe record of a capture in progress, next to the HAR it becomes
 * (OUT.har.journal). One JSON object per line, each written whole with one write():
 *   {"header":{"creator":{...},"browser":{...}}}
 *   {"page":{...}}    a HAR page; a later line with the same id replaces an earlier one
 *   {"entry":{...}}   a finished HAR entry
 * journal_sync() makes every line written so far durable, so a kill -9 of rae or of the browser,
 * or a power cut, loses only what was still in flight. journal_to_har() turns a journal into a
 * HAR 1.2 file, ignoring a last line cut short by a crash. */
#ifndef RAE_CAPTURE_JOURNAL_H
#define RAE_CAPTURE_JOURNAL_H

#include <jansson.h>
#include <stddef.h>

#include "rae/err.h"

typedef struct journal journal;

/* Creates (or truncates) path. Returns NULL with err filled. Caller closes. */
journal *journal_open(const char *path, rae_err *err);
/* Appends {"KIND":obj}. obj is borrowed. Returns 0, or -1 with err filled (e.g. the disk is
 * full); the journal stays readable up to the last whole line. */
int journal_write(journal *j, const char *kind, json_t *obj, rae_err *err);
/* Makes the lines written so far durable (fdatasync) when any were written since the last call. */
int journal_sync(journal *j, rae_err *err);
/* Bytes written so far. */
unsigned long long journal_bytes(const journal *j);
void journal_close(journal *j);

typedef struct journal_stats {
    long entries, pages;
    long bad_lines; /* lines that are not whole JSON objects (skipped) */
    int cut_tail;   /* the last line was cut short (a crash while writing it) */
} journal_stats;

/* Writes the HAR for the journal at journal_path to har_path (through a temporary file renamed
 * into place). Entries come out in the order they started. Returns 0, or -1 with err filled. */
int journal_to_har(const char *journal_path, const char *har_path, journal_stats *st, rae_err *err);

#endif

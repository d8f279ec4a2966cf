/* har: read HAR files (1.1 and 1.2, as Chrome, Firefox, Safari, Charles, Fiddler, Insomnia,
 * mitmproxy, WebPagetest and Playwright write them) one entry at a time, with bounded memory.
 *
 *   har_reader *r; rae_err err;
 *   if (har_reader_open(path, &r, &err) < 0) { fprintf(stderr, "%s\n", err.message); ... }
 *   arena *a = arena_new(); har_entry *e;
 *   while ((rc = har_reader_next(r, a, &e, &err)) > 0) { ...; arena_reset(a); }
 *   har_reader_free(r); arena_free(a);
 *
 * The reader maps the file and splits the `log.entries` array with a string-aware scanner; each
 * entry is decoded on its own, so memory grows with the largest entry, not with the file. */
#ifndef RAE_HAR_H
#define RAE_HAR_H

#include <stddef.h>

#include "rae/arena.h"
#include "rae/err.h"
#include "rae/err.h"
#include "rae/err.h"

typedef struct har_pair {
    const char *name;
    const char *value;
} har_pair;

typedef struct har_pairs {
    har_pair *items;
    size_t n;
} har_pairs;

/* postData.params: form fields and multipart parts. */
typedef struct har_param {
    const char *name;
    const char *value;        /* NULL when absent */
    const char *file_name;    /* NULL when absent */
    const char *content_type; /* NULL when absent */
} har_param;

/* A request's postData or a response's content. Strings are never NULL ("" when absent). */
typedef struct har_body {
    const char *mime_type;
    size_t text_len; /* raw (still JSON-escaped) length of `text`; 0 when there is none */
    int base64;      /* encoding == "base64" */
    long long size;  /* -1 when unknown */
    har_param *params;
    size_t n_params;
    const char *comment; /* a `_`-field explaining why the body is missing, or NULL */
    void *text_node;     /* private: the undecoded text, read with har_body_text() */
} har_body;

typedef struct har_entry {
    long index;          /* 0-based position in log.entries */
    const char *started; /* startedDateTime, "" when absent */
    double time_ms;      /* -1 when absent */
    const char *method;  /* never NULL */
    const char *url;     /* never NULL */
    const char *http_version;
    har_pairs req_headers, req_cookies, query;
    int has_req_body;
    har_body req_body;
    int status; /* 0 when the request got no response */
    const char *status_text;
    har_pairs resp_headers, resp_cookies;
    har_body resp_body;
    const char *redirect_url;  /* "" when none */
    const char *resource_type; /* _resourceType (Chrome, Playwright) or "" */
    const char *server_ip;     /* "" when absent */
    const char *error_text;    /* _error or response._error (failed requests), or "" */
} har_entry;

typedef struct har_info {
    const char *version; /* "" when absent */
    const char *creator_name, *creator_version;
    const char *browser_name, *browser_version;
    long n_pages;
    long n_entries; /* -1 until the entries have been read through */
} har_info;

typedef struct har_reader har_reader;

/* Opens a HAR file and reads what precedes log.entries. 0 on success (caller frees *out with
 * har_reader_free), -1 on failure with err filled: not JSON, no `log`, no `log.entries`, or
 * malformed JSON before the entries. What follows is checked as the entries are read: a
 * truncated entry, or bad syntax after the entries array, is an error of har_reader_next. */
int har_reader_open(const char *path, har_reader **out, rae_err *err);
/* The same over memory; data is borrowed and must outlive the reader. */
int har_reader_open_mem(const char *data, size_t len, har_reader **out, rae_err *err);
void har_reader_free(har_reader *r);

/* Borrowed, valid until har_reader_free. */
const har_info *har_reader_info(const har_reader *r);
/* The file's path ("<memory>" for open_mem); borrowed. */
const char *har_reader_path(const har_reader *r);
size_t har_reader_size(const har_reader *r);

/* Decodes the next entry into *out, allocated from `a` (valid until `a` is reset or freed).
 * 1 on an entry, 0 at the end, -1 on a malformed entry (err names its index, line and column;
 * later entries can still be read). */
int har_reader_next(har_reader *r, arena *a, har_entry **out, rae_err *err);
/* Goes past the next entry without parsing it (its brackets are matched, nothing is built): 1 on
 * an entry, 0 at the end, -1 when it does not end. For counting entries of a file no one vouches
 * for in constant memory: a parsed entry costs memory by its number of values. */
int har_reader_skip(har_reader *r, rae_err *err);
/* Starts again from the first entry. */
void har_reader_rewind(har_reader *r);
/* The byte offset reading has reached, for progress against har_reader_size. */
size_t har_reader_offset(const har_reader *r);

/* Helpers over entries. Header and pair lookups are case-insensitive; results are borrowed. */
const char *har_pairs_get(const har_pairs *p, const char *name);
const char *har_entry_req_header(const har_entry *e, const char *name);
const char *har_entry_resp_header(const har_entry *e, const char *name);
/* The body's text as stored in the HAR (base64 when `base64` is set), decoded on first use into
 * `a`; "" when absent. *len (may be NULL) gets the length; the text may contain NUL bytes. */
const char *har_body_text(const har_body *b, arena *a, size_t *len);
/* The body's bytes (base64 decoded when needed), allocated from `a`; *len gets the length.
 * NULL when the body is empty or its base64 is invalid. */
const char *har_body_bytes(const har_body *b, arena *a, size_t *len);

#endif

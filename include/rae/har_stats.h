/* har_stats: what a HAR holds, counted in one pass. */
#ifndef RAE_HAR_STATS_H
#define RAE_HAR_STATS_H

#include "rae/err.h"
#include "rae/har.h"
#include "rae/har_filter.h"

typedef struct har_count {
    const char *name;
    long count;
    long api; /* of which API entries (hosts only) */
} har_count;

typedef struct har_stats {
    long entries, bad_entries; /* bad_entries: entries that could not be read */
    int malformed;             /* some part of the file is malformed (err names the first) */
    long by_class[HAR_CLASS_COUNT];
    long status[6]; /* [0] no response, [1..5] 1xx..5xx */
    long long request_body_bytes, response_body_bytes;
    har_count *hosts, *methods, *mime_types; /* most frequent first */
    size_t n_hosts, n_methods, n_mime_types;
    char first_party[256];
    arena *mem; /* owns the arrays and names */
} har_stats;

/* Reads every entry of r. 0 on success (free with har_stats_free); -1 when the file cannot be read
 * (err filled). Malformed entries are counted in bad_entries, the first one reported in err. */
int har_stats_collect(har_reader *r, har_stats *st, rae_err *err);
void har_stats_free(har_stats *st);

#endif

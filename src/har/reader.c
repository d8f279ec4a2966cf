#include "har/internal.h"
#include "har/scan.h"
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct har_reader {
    char *path;
    const char *data; /* the whole file */
    size_t len;
    void *map;            /* non-NULL when data is our mapping */
    size_t entries_begin; /* just past '[' of log.entries */
    size_t entries_end;   /* just past its ']', once read through (0 before) */
    size_t pos;           /* scan position inside the entries array */
    long next_index;
    size_t log_begin, log_end; /* the span of the log object (log_end once known) */
    int in_tail;               /* checking what follows the entries array */
    int finished;              /* the entries are read through (or cannot be read further) */
    har_info info;
    arena *info_arena;
};

void har_error_set(rae_err *err, const char *path, size_t line, size_t column, long entry,
                   const char *fmt, ...) {
    if (!err) return;
    buf b = BUF_INIT;
    if (path) buf_puts(&b, path);
    if (line) buf_printf(&b, ":%zu:%zu", line, column);
    if (b.len) buf_puts(&b, ": ");
    if (entry >= 0) buf_printf(&b, "entry %ld: ", entry);
    size_t reason = b.len;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    rae_err_set(err, RAE_E_INVALID, "%s", buf_str(&b));
    buf_free(&b);
    err->at.line = line;
    err->at.column = column;
    err->at.entry = entry;
    err->at.reason = reason < sizeof err->message ? reason : 0;
}

static void fail_at(const har_reader *r, rae_err *err, size_t off, long entry, const char *why) {
    size_t line, col;
    har_scan_position(r->data, r->len, off, &line, &col);
    har_error_set(err, r->path, line, col, entry, "%s", why);
}

/* Compares the raw bytes of the JSON string at s[i] (a key) with name. */
static int key_is(const char *s, size_t i, size_t end, const char *name) {
    size_t n = strlen(name);
    return end - i == n + 2 && memcmp(s + i + 1, name, n) == 0;
}

/* A small JSON value (creator, browser, version); NULL on error. */
static jv *load_span(const har_reader *r, size_t begin, size_t end) {
    rae_err jerr;
    return jv_parse(r->info_arena, r->data + begin, end - begin, NULL, &jerr);
}

static const char *info_string(har_reader *r, jv *obj, const char *key) {
    const char *s = jv_str(jv_get(obj, key), r->info_arena, NULL);
    return s ? s : "";
}

/* Counts the elements of the array at s[i] == '['; returns the end or -1. */
static size_t count_array(har_reader *r, size_t i, long *count, rae_err *err) {
    const char *why;
    size_t where;
    *count = 0;
    i = har_scan_ws(r->data, r->len, i + 1);
    if (i < r->len && r->data[i] == ']') return i + 1;
    for (;;) {
        i = har_scan_value(r->data, r->len, i, &why, &where);
        if (i == (size_t)-1) {
            fail_at(r, err, where, -1, why);
            return i;
        }
        (*count)++;
        if (i < r->len && r->data[i] == ',') {
            i = har_scan_ws(r->data, r->len, i + 1);
            continue;
        }
        if (i < r->len && r->data[i] == ']') return i + 1;
        fail_at(r, err, i, -1, "expected ',' or ']' in array");
        return (size_t)-1;
    }
}

/* Walks an object's members from s[i] (a member name, after '{' or ','): calls
 * member(r, key_begin, key_end, value_begin) which returns the index past the value, -1 on error
 * or STOP to end the walk there. Returns the index past '}', -1 or STOP. */
typedef size_t (*member_fn)(har_reader *r, size_t kb, size_t ke, size_t vb, rae_err *err);
#define STOP ((size_t)-2)

static size_t walk_members(har_reader *r, size_t i, member_fn member, rae_err *err) {
    const char *s = r->data;
    size_t n = r->len;
    for (;;) {
        if (i >= n || s[i] != '"') {
            fail_at(r, err, i, -1, i >= n ? "unexpected end of file" : "expected a member name");
            return (size_t)-1;
        }
        size_t ke = har_scan_string(s, n, i);
        if (ke == (size_t)-1) {
            fail_at(r, err, i, -1, "unterminated string");
            return ke;
        }
        size_t c = har_scan_ws(s, n, ke);
        if (c >= n || s[c] != ':') {
            fail_at(r, err, c, -1, "expected ':' after a member name");
            return (size_t)-1;
        }
        size_t vb = har_scan_ws(s, n, c + 1);
        i = member(r, i, ke, vb, err);
        if (i == (size_t)-1 || i == STOP) return i;
        i = har_scan_ws(s, n, i);
        if (i < n && s[i] == ',') {
            i = har_scan_ws(s, n, i + 1);
            continue;
        }
        if (i < n && s[i] == '}') return i + 1;
        fail_at(r, err, i, -1,
                i >= n ? "unexpected end of file inside an object"
                       : "expected ',' or '}' in object");
        return (size_t)-1;
    }
}

/* s[i] is '{'. */
static size_t walk_object(har_reader *r, size_t i, member_fn member, rae_err *err) {
    i = har_scan_ws(r->data, r->len, i + 1);
    if (i < r->len && r->data[i] == '}') return i + 1;
    return walk_members(r, i, member, err);
}

/* After a member's value at s[i]: the rest of the object, up to and past its '}'. */
static size_t walk_rest(har_reader *r, size_t i, member_fn member, rae_err *err) {
    i = har_scan_ws(r->data, r->len, i);
    if (i < r->len && r->data[i] == '}') return i + 1;
    if (i < r->len && r->data[i] == ',')
        return walk_members(r, har_scan_ws(r->data, r->len, i + 1), member, err);
    fail_at(r, err, i, -1,
            i >= r->len ? "unexpected end of file inside an object"
                        : "expected ',' or '}' in object");
    return (size_t)-1;
}

static size_t skip_member(har_reader *r, size_t vb, rae_err *err) {
    const char *why;
    size_t where;
    size_t end = har_scan_value(r->data, r->len, vb, &why, &where);
    if (end == (size_t)-1) fail_at(r, err, where, -1, why);
    return end;
}

#define INFO_SPAN_MAX 65536 /* of log.version, log.creator, log.browser: past it, not read */

static size_t log_member(har_reader *r, size_t kb, size_t ke, size_t vb, rae_err *err) {
    const char *s = r->data;
    int is_array = vb < r->len && s[vb] == '[';
    if (key_is(s, kb, ke, "entries") || key_is(s, kb, ke, "pages")) {
        int entries = key_is(s, kb, ke, "entries");
        if (!is_array) {
            fail_at(r, err, vb, -1,
                    entries ? "log.entries is not an array" : "log.pages is not an array");
            return (size_t)-1;
        }
        if (entries && !r->in_tail) {
            /* The entries are read one by one later: the open stops here. */
            r->entries_begin = vb + 1;
            return STOP;
        }
        long ignored;
        return count_array(r, vb, entries ? &ignored : &r->info.n_pages, err);
    }
    size_t end = skip_member(r, vb, err);
    if (end == (size_t)-1) return end;
    int is_creator = key_is(s, kb, ke, "creator"), is_browser = key_is(s, kb, ke, "browser");
    /* (a creator of megabytes is not one: parsed, it would cost memory by its number of values) */
    if ((key_is(s, kb, ke, "version") || is_creator || is_browser) && end - vb <= INFO_SPAN_MAX) {
        jv *v = load_span(r, vb, end);
        if (jv_is(v, JV_STRING)) r->info.version = jv_str(v, r->info_arena, NULL);
        if (is_creator) {
            r->info.creator_name = info_string(r, v, "name");
            r->info.creator_version = info_string(r, v, "version");
        } else if (is_browser) {
            r->info.browser_name = info_string(r, v, "name");
            r->info.browser_version = info_string(r, v, "version");
        }
    }
    return end;
}

static size_t top_member(har_reader *r, size_t kb, size_t ke, size_t vb, rae_err *err) {
    if (!key_is(r->data, kb, ke, "log")) return skip_member(r, vb, err);
    if (vb >= r->len || r->data[vb] != '{') {
        fail_at(r, err, vb, -1, "\"log\" is not an object");
        return (size_t)-1;
    }
    r->log_begin = vb;
    size_t end = walk_object(r, vb, log_member, err);
    if (end != STOP) r->log_end = end;
    return end;
}

/* After the top-level object at s[end]: only whitespace (and NUL padding some writers leave). */
static int check_trailer(har_reader *r, size_t end, rae_err *err) {
    end = har_scan_ws(r->data, r->len, end);
    while (end < r->len && r->data[end] == '\0')
        end++;
    if (end < r->len) {
        fail_at(r, err, end, -1, "unexpected data after the top-level object");
        return -1;
    }
    return 0;
}

static int scan_top(har_reader *r, rae_err *err) {
    size_t i = har_scan_ws(r->data, r->len, 0);
    if (i >= r->len) {
        har_error_set(err, r->path, 0, 0, -1, "empty file, not a HAR");
        return -1;
    }
    if (r->data[i] != '{') {
        fail_at(r, err, i, -1, "not a HAR: the file does not start with a JSON object");
        return -1;
    }
    size_t end = walk_object(r, i, top_member, err);
    if (end == (size_t)-1) return -1;
    if (end == STOP) return 0; /* at log.entries: the rest is checked when they are read */
    if (check_trailer(r, end, err) < 0) return -1;
    if (!r->log_end) {
        har_error_set(err, r->path, 0, 0, -1, "not a HAR: no \"log\" object at the top level");
        return -1;
    }
    if (!r->entries_begin) {
        har_error_set(err, r->path, 0, 0, -1, "not a HAR: \"log\" has no \"entries\" array");
        return -1;
    }
    return 0;
}

static har_reader *reader_new(const char *path) {
    har_reader *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->path = strdup(path);
    r->info_arena = arena_new();
    r->info.version = r->info.creator_name = r->info.creator_version = "";
    r->info.browser_name = r->info.browser_version = "";
    r->info.n_entries = -1;
    return r;
}

static int finish_open(har_reader *r, har_reader **out, rae_err *err) {
    /* A UTF-8 byte order mark is allowed before the JSON. */
    if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0) {
        r->data += 3;
        r->len -= 3;
    }
    if (scan_top(r, err) < 0) {
        har_reader_free(r);
        return -1;
    }
    har_reader_rewind(r);
    *out = r;
    return 0;
}

int har_reader_open_mem(const char *data, size_t len, har_reader **out, rae_err *err) {
    har_reader *r = reader_new("<memory>");
    r->data = data;
    r->len = len;
    return finish_open(r, out, err);
}

int har_reader_open(const char *path, har_reader **out, rae_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        har_error_set(err, path, 0, 0, -1, "cannot open: %s", strerror(e));
        if (err) err->code = e == ENOENT ? RAE_E_NOT_FOUND : RAE_E_FAIL;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        har_error_set(err, path, 0, 0, -1, "not a regular file");
        close(fd);
        return -1;
    }
    har_reader *r = reader_new(path);
    if (st.st_size > 0) {
        r->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (r->map == MAP_FAILED) {
            r->map = NULL;
            har_error_set(err, path, 0, 0, -1, "cannot map: %s", strerror(errno));
            if (err) err->code = RAE_E_FAIL;
            if (err) err->code = RAE_E_FAIL;
            if (err) err->code = RAE_E_FAIL;
            close(fd);
            har_reader_free(r);
            return -1;
        }
        madvise(r->map, (size_t)st.st_size, MADV_SEQUENTIAL);
        r->data = r->map;
        r->len = (size_t)st.st_size;
    } else {
        r->data = "";
    }
    close(fd);
    return finish_open(r, out, err);
}

void har_reader_free(har_reader *r) {
    if (!r) return;
    if (r->map) munmap(r->map, r->len + (r->data != r->map ? 3 : 0));
    arena_free(r->info_arena);
    free(r->path);
    free(r);
}

const har_info *har_reader_info(const har_reader *r) {
    return &r->info;
}

const char *har_reader_path(const har_reader *r) {
    return r->path;
}

const char *har_reader_data(const har_reader *r, size_t *len) {
    *len = r->len;
    return r->data;
}

size_t har_reader_entries_begin(const har_reader *r) {
    return r->entries_begin;
}

size_t har_reader_entries_end(const har_reader *r) {
    return r->entries_end;
}

size_t har_reader_size(const har_reader *r) {
    return r->len;
}

void har_reader_rewind(har_reader *r) {
    r->pos = har_scan_ws(r->data, r->len, r->entries_begin);
    r->next_index = 0;
    r->finished = 0;
}

size_t har_reader_offset(const har_reader *r) {
    return r->pos;
}

/* After the entries array (s[i] is past its ']'): the rest of log and of the top-level object,
 * whose syntax the open left unchecked. Sets n_entries. */
static int finish(har_reader *r, size_t i, rae_err *err) {
    r->finished = 1;
    r->entries_end = i;
    r->info.n_entries = r->next_index;
    if (r->in_tail) return 0; /* checked on an earlier pass */
    r->in_tail = 1;
    size_t end = walk_rest(r, i, log_member, err);
    if (end == (size_t)-1) return -1;
    r->log_end = end;
    end = walk_rest(r, end, top_member, err);
    if (end == (size_t)-1) return -1;
    return check_trailer(r, end, err);
}

/* Moves to the next entry of log.entries: 1 with *at its first byte (an object's '{') and *index
 * its index, 0 after the last, -1 + err. */
static int entry_start(har_reader *r, size_t *at, long *index, rae_err *err) {
    const char *s = r->data;
    size_t n = r->len, i = r->pos;
    if (r->finished) return 0;
    if (i < n && s[i] == ']') return finish(r, i + 1, err) < 0 ? -1 : 0;
    if (i >= n) {
        r->finished = 1;
        fail_at(r, err, n, -1, "unexpected end of file inside log.entries");
        return -1;
    }
    if (r->next_index > 0) {
        if (s[i] != ',') {
            fail_at(r, err, i, r->next_index, "expected ',' between entries");
            r->pos = n;
            r->finished = 1;
            return -1;
        }
        i = har_scan_ws(s, n, i + 1);
        if (i >= n) {
            r->finished = 1;
            fail_at(r, err, n, -1, "unexpected end of file inside log.entries");
            return -1;
        }
    }
    *index = r->next_index++;
    *at = i;
    if (s[i] == '{') return 1;
    const char *why;
    size_t where;
    size_t end = har_scan_value(s, n, i, &why, &where);
    r->pos = end == (size_t)-1 ? n : end;
    r->finished = end == (size_t)-1;
    fail_at(r, err, i, *index, "not an object");
    return -1;
}

/* Goes past the value at i (after a parse of it failed, or to skip it): on at its end when its
 * brackets match; else nothing follows. Returns the index just past it, (size_t)-1 when none. */
static size_t skip_entry(har_reader *r, size_t i) {
    const char *why;
    size_t where;
    size_t end = har_scan_value(r->data, r->len, i, &why, &where);
    r->pos = end == (size_t)-1 ? r->len : har_scan_ws(r->data, r->len, end);
    r->finished = end == (size_t)-1;
    return end;
}

int har_reader_next_json(har_reader *r, arena *a, jv **out, size_t *offset, rae_err *err) {
    size_t i;
    long index;
    int rc = entry_start(r, &i, &index, err);
    if (rc <= 0) return rc;
    rae_err jerr;
    size_t used;
    jv *j = jv_parse(a, r->data + i, r->len - i, &used, &jerr);
    if (!j) {
        fail_at(r, err, i + jerr.at.offset, index, jerr.message);
        skip_entry(r, i);
        return -1;
    }
    r->pos = i + used;
    *out = j;
    *offset = i;
    return 1;
}

int har_reader_skip(har_reader *r, rae_err *err) {
    size_t i;
    long index;
    int rc = entry_start(r, &i, &index, err);
    if (rc <= 0) return rc;
    if (skip_entry(r, i) != (size_t)-1) return 1;
    fail_at(r, err, i, index, "the entry does not end (its brackets do not match)");
    return -1;
}

int har_reader_next(har_reader *r, arena *a, har_entry **out, rae_err *err) {
    jv *j;
    size_t off;
    int rc = har_reader_next_json(r, a, &j, &off, err);
    if (rc <= 0) return rc;
    har_entry *e = arena_alloc(a, sizeof *e);
    long index = r->next_index - 1;
    if (har_entry_from_json(j, index, a, e, err) < 0) {
        /* Keep the message from the conversion, add the place. */
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        fail_at(r, err, off, index, why);
        return -1;
    }
    *out = e;
    return 1;
}

jv *har_reader_log_header(har_reader *r, arena *a) {
    if (!r->log_begin) return NULL;
    /* The log object with its entries array emptied: entries can be huge. */
    buf b = BUF_INIT;
    const char *s = r->data;
    size_t i = har_scan_ws(s, r->len, r->log_begin + 1);
    buf_putc(&b, '{');
    int first = 1;
    while (i < r->len && s[i] == '"') {
        size_t ke = har_scan_string(s, r->len, i);
        size_t vb = har_scan_ws(s, r->len, har_scan_ws(s, r->len, ke) + 1);
        const char *why;
        size_t where;
        size_t ve = har_scan_value(s, r->len, vb, &why, &where);
        if (ve == (size_t)-1) break;
        if (!first) buf_putc(&b, ',');
        first = 0;
        buf_append(&b, s + i, ke - i);
        buf_putc(&b, ':');
        if (key_is(s, i, ke, "entries"))
            buf_puts(&b, "[]");
        else
            buf_append(&b, s + vb, ve - vb);
        i = har_scan_ws(s, r->len, ve);
        if (i < r->len && s[i] == ',') i = har_scan_ws(s, r->len, i + 1);
    }
    buf_putc(&b, '}');
    const char *copy = arena_strndup(a, buf_str(&b), b.len);
    rae_err jerr;
    jv *j = jv_parse(a, copy, b.len, NULL, &jerr);
    buf_free(&b);
    return j;
}

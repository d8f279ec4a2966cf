#include "capture/journal.h"

#include "rae/arena.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/map.h"
#include "util/vec.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal {
    int fd;
    char *path;
    int dirty;
    unsigned long long bytes;
};

journal *journal_open(const char *path, rae_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        rae_err_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    journal *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->fd = fd;
    j->path = strdup(path);
    return j;
}

int journal_write(journal *j, const char *kind, json_t *obj, rae_err *err) {
    buf line = BUF_INIT;
    buf_printf(&line, "{\"%s\":", kind);
    if (jv_dump_jansson(obj, 15, &line) < 0) {
        rae_err_fail(err, "%s: cannot serialise a %s", j->path, kind);
        buf_free(&line);
        return -1;
    }
    buf_puts(&line, "}\n");
    size_t off = 0;
    int rc = 0;
    while (off < line.len) {
        ssize_t w = write(j->fd, line.data + off, line.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            rae_err_fail(err, "writing %s: %s", j->path, w < 0 ? strerror(errno) : "no space");
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    j->bytes += off;
    j->dirty = 1;
    buf_free(&line);
    return rc;
}

int journal_sync(journal *j, rae_err *err) {
    if (!j->dirty) return 0;
    j->dirty = 0;
    if (fdatasync(j->fd) < 0 && errno != EINVAL) {
        rae_err_fail(err, "syncing %s: %s", j->path, strerror(errno));
        return -1;
    }
    return 0;
}

unsigned long long journal_bytes(const journal *j) {
    return j->bytes;
}

void journal_close(journal *j) {
    if (!j) return;
    close(j->fd);
    free(j->path);
    free(j);
}

/* ---- journal -> HAR ---- */

typedef struct slice {
    const char *s;
    size_t n;
    const char *started; /* entries: startedDateTime, for the order */
    size_t index;
} slice;

typedef struct reading {
    arena *a;                /* what is kept: slices, start times, the header's text */
    arena *scratch;          /* one line's parse */
    char *creator, *browser; /* the header's members as JSON text, or NULL */
    smap *pages;             /* id -> slice*, first appearance order */
    pvec entries;
    journal_stats *st;
} reading;

/* The raw text of the value of a line written as {"KIND":VALUE}. */
static slice *value_slice(reading *r, const char *line, size_t n, const char *kind) {
    slice *sl = arena_alloc(r->a, sizeof *sl);
    size_t prefix = strlen(kind) + 4; /* {"KIND": */
    sl->s = line + prefix;
    sl->n = n - prefix - 1;
    return sl;
}

static char *member_text(reading *r, jv *obj, const char *name) {
    jv *v = jv_get(obj, name);
    if (!jv_is(v, JV_OBJECT)) return NULL;
    buf b = BUF_INIT;
    jv_dump(v, r->scratch, &b);
    char *s = arena_strndup(r->a, b.data, b.len);
    buf_free(&b);
    return s;
}

static void take_line(reading *r, const char *line, size_t n, int last) {
    arena_reset(r->scratch);
    rae_err jerr;
    jv *v = jv_parse(r->scratch, line, n, NULL, &jerr);
    if (!jv_is(v, JV_OBJECT) || v->len != 1 || line[0] != '{' || line[n - 1] != '}') {
        if (last)
            r->st->cut_tail = 1;
        else
            r->st->bad_lines++;
        return;
    }
    const char *kind = jv_key(&v->members[0], r->scratch);
    jv *value = v->members[0].value;
    if (strcmp(kind, "header") == 0 && jv_is(value, JV_OBJECT)) {
        r->creator = member_text(r, value, "creator");
        r->browser = member_text(r, value, "browser");
    } else if (strcmp(kind, "page") == 0 && jv_is(value, JV_OBJECT)) {
        size_t idlen = 0;
        const char *id = jv_str(jv_get(value, "id"), r->scratch, &idlen);
        if (!id) return;
        int created = 0;
        void **slot = smap_slot(r->pages, id, idlen, &created);
        *slot = value_slice(r, line, n, kind);
    } else if (strcmp(kind, "entry") == 0 && jv_is(value, JV_OBJECT)) {
        slice *sl = value_slice(r, line, n, kind);
        const char *started = jv_str(jv_get(value, "startedDateTime"), r->scratch, NULL);
        sl->started = arena_strdup(r->a, started ? started : "");
        sl->index = r->entries.n;
        pvec_push(&r->entries, sl);
    }
}

static int by_start(const void *pa, const void *pb) {
    const slice *a = *(slice *const *)pa, *b = *(slice *const *)pb;
    int c = strcmp(a->started, b->started);
    if (c) return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Writes the HAR; returns 0 when every write succeeded. */
static int render(reading *r, FILE *f) {
    fputs("{\"log\":{\"version\":\"1.2\",\"creator\":", f);
    fputs(r->creator ? r->creator : "{\"name\":\"rae\",\"version\":\"\"}", f);
    fputs(",\"browser\":", f);
    fputs(r->browser ? r->browser : "{\"name\":\"Chromium\",\"version\":\"\"}", f);
    fputs(",\"pages\":[", f);
    for (size_t i = 0; i < smap_count(r->pages); i++) {
        slice *sl = smap_value(r->pages, i);
        fputs(i ? ",\n" : "\n", f);
        fwrite(sl->s, 1, sl->n, f);
    }
    fputs("],\"entries\":[", f);
    if (r->entries.n) qsort(r->entries.items, r->entries.n, sizeof *r->entries.items, by_start);
    for (size_t i = 0; i < r->entries.n; i++) {
        slice *sl = r->entries.items[i];
        fputs(i ? ",\n" : "\n", f);
        fwrite(sl->s, 1, sl->n, f);
    }
    fputs("\n]}}\n", f);
    r->st->entries = (long)r->entries.n;
    r->st->pages = (long)smap_count(r->pages);
    return ferror(f) ? -1 : 0;
}

static int fill(FILE *f, void *r) {
    return render(r, f) < 0 ? (errno = errno ? errno : EIO, -1) : 0;
}

/* The HAR replaces path whole (fs_replace), readable by its owner only: it holds the session's
 * cookies and what was typed. */
static int write_har(reading *r, const char *path, rae_err *err) {
    if (fs_replace(path, 0600, fill, r) == 0) return 0;
    rae_err_fail(err, "writing %s: %s", path, strerror(errno ? errno : EIO));
    return -1;
}

int journal_to_har(const char *journal_path, const char *har_path, journal_stats *st,
                   rae_err *err) {
    memset(st, 0, sizeof *st);
    int fd = open(journal_path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        rae_err_fail(err, "%s: %s", journal_path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    size_t size = (size_t)sb.st_size;
    const char *data = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : "";
    close(fd);
    if (data == MAP_FAILED) {
        rae_err_fail(err, "%s: %s", journal_path, strerror(errno));
        return -1;
    }
    reading r = {.a = arena_new(), .scratch = arena_new(), .pages = smap_new(), .st = st};
    for (size_t off = 0; off < size;) {
        const char *nl = memchr(data + off, '\n', size - off);
        size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
        if (n > 0) take_line(&r, data + off, n, !nl);
        off += n + 1;
    }
    int rc = write_har(&r, har_path, err);
    pvec_free(&r.entries);
    smap_free(r.pages);
    arena_free(r.a);
    arena_free(r.scratch);
    if (size) munmap((void *)data, size);
    return rc;
}

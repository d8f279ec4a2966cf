/* The rules of RFC 8259 that jv's lenient reading lets through, over the raw text of a HAR:
 * string contents (jv_text_check_raw) and duplicate member names, each reported at its exact
 * place with the path of its field. Paths are rendered only when a problem is found: the walk
 * keeps a stack of frames (member names as written, array indices). */
#include "har/strict.h"

#include "har/internal.h"
#include "util/buf.h"
#include "util/map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES (JV_MAX_DEPTH + 8) /* a jv value's depth, plus top level, log, an element */
#define PATH_MAX_SHOWN 300            /* a path longer than this ends with "..." */
#define KEY_MAX_SHOWN 60              /* bytes of a member name shown in a path or message */

typedef struct frame {
    const char *raw; /* a member name as written (NULL for an array index) */
    size_t raw_len;
    size_t index;
} frame;

struct har_strict {
    const char *data;
    size_t len;
    har_scan_cursor *cur;
    har_strict_fn report;
    void *user;
    frame frames[MAX_FRAMES];
    size_t depth; /* may exceed MAX_FRAMES: deeper frames are not kept */
    size_t base;  /* the first frame of the value being checked (paths are relative to it) */
};

har_strict *har_strict_new(const char *data, size_t len, har_scan_cursor *cur, har_strict_fn report,
                           void *user) {
    har_strict *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->data = data;
    c->len = len;
    c->cur = cur;
    c->report = report;
    c->user = user;
    return c;
}

void har_strict_free(har_strict *c) {
    free(c);
}

static void push_key(har_strict *c, const char *raw, size_t raw_len) {
    if (c->depth < MAX_FRAMES) c->frames[c->depth] = (frame){raw, raw_len, 0};
    c->depth++;
}

static void push_index(har_strict *c, size_t index) {
    if (c->depth < MAX_FRAMES) c->frames[c->depth] = (frame){NULL, 0, index};
    c->depth++;
}

static void pop(har_strict *c) {
    c->depth--;
}

/* A member name for the terminal: printable ASCII as written (escapes stay escapes), other bytes
 * as \xHH, at most KEY_MAX_SHOWN bytes of it. */
static void put_name(buf *b, const char *raw, size_t n) {
    size_t shown = n < KEY_MAX_SHOWN ? n : KEY_MAX_SHOWN;
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)raw[i];
        if (ch >= 0x20 && ch < 0x7F)
            buf_putc(b, (char)ch);
        else
            buf_printf(b, "\\x%02X", ch);
    }
    if (shown < n) buf_puts(b, "...");
}

static int plain_name(const char *raw, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = raw[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '$' || ch == '@'))
            return 0;
    }
    return 1;
}

/* The path of the current frame: request.headers[2].value, log.pages[0]["a b"]. */
static void render_path(const har_strict *c, buf *b) {
    size_t kept = c->depth < MAX_FRAMES ? c->depth : MAX_FRAMES;
    for (size_t i = c->base; i < kept; i++) {
        const frame *f = &c->frames[i];
        if (b->len > PATH_MAX_SHOWN) {
            buf_puts(b, "...");
            return;
        }
        if (!f->raw) {
            buf_printf(b, "[%zu]", f->index);
        } else if (plain_name(f->raw, f->raw_len) && f->raw_len <= KEY_MAX_SHOWN) {
            if (b->len) buf_putc(b, '.');
            buf_append(b, f->raw, f->raw_len);
        } else {
            buf_puts(b, "[\"");
            put_name(b, f->raw, f->raw_len);
            buf_puts(b, "\"]");
        }
    }
    if (kept < c->depth) buf_puts(b, "...");
}

static void position(har_strict *c, const char *p, size_t *line, size_t *column) {
    uintptr_t at = (uintptr_t)p, base = (uintptr_t)c->data;
    if (at < base || at > base + c->len) { /* not from the reader's text: place unknown */
        *line = *column = 0;
        return;
    }
    har_scan_cursor_at(c->cur, at - base, line, column);
}

static void report_at(har_strict *c, const char *p, har_severity sev, const char *path,
                      const char *message) {
    size_t line, column;
    position(c, p, &line, &column);
    if (path) {
        c->report(c->user, sev, line, column, path, message);
        return;
    }
    buf b = BUF_INIT;
    render_path(c, &b);
    c->report(c->user, sev, line, column, b.len ? buf_str(&b) : "(top level)", message);
    buf_free(&b);
}

static const char *issue_name(jv_text_issue k) {
    static const char *names[] = {"invalid UTF-8", "raw control character", "invalid escape",
                                  "lone surrogate"};
    return names[k];
}

/* "invalid UTF-8 in the key (overlong encoding: C0 AF), and 2 more", from the first one. */
static void describe(buf *b, jv_text_issue k, const char *s, size_t n, const jv_text_check *t,
                     int is_key) {
    const char *at = s + t->first[k];
    size_t rest = n - t->first[k], len;
    buf_puts(b, issue_name(k));
    if (is_key) buf_puts(b, " in the key");
    if (k == JV_TEXT_BAD_UTF8) {
        buf_printf(b, " (%s:", jv_utf8_invalid(at, rest, &len));
        for (size_t i = 0; i < len && i < 4; i++)
            buf_printf(b, " %02X", (unsigned char)at[i]);
        buf_puts(b, len > 4 ? " ...)" : ")");
    } else if (k == JV_TEXT_CONTROL) {
        buf_printf(b, " U+%04X (JSON requires it escaped)", (unsigned char)at[0]);
    } else if (k == JV_TEXT_BAD_ESCAPE) {
        unsigned char e = rest > 1 ? (unsigned char)at[1] : 0;
        if (rest < 2)
            buf_puts(b, " \\ at the end");
        else if (e >= 0x21 && e < 0x7F && e != 'u')
            buf_printf(b, " \\%c", e);
        else if (e == 'u')
            buf_puts(b, " \\u without four hex digits");
        else
            buf_printf(b, " \\ before byte %02X", e);
    } else {
        int high = (at[2] == 'd' || at[2] == 'D') && strchr("89abAB", at[3]);
        buf_printf(b,
                   " %.6s (%s): not a Unicode character; rae reads U+FFFD, other readers may "
                   "reject it",
                   at, high ? "high, no low half follows" : "low, no high half before it");
    }
    if (t->count[k] > 1)
        buf_printf(b, ", and %zu more in this %s", t->count[k] - 1, is_key ? "key" : "string");
}

/* Checks the raw text of a string or member name at the current frame; reports each kind of issue
 * once, at its first occurrence, in file order (the line cursor only counts forward). */
static void check_text(har_strict *c, const char *s, size_t n, int is_key) {
    jv_text_check t;
    jv_text_issue order[JV_TEXT_ISSUES];
    size_t kinds = 0;
    if (jv_text_check_raw(s, n, &t) == 0) return;
    for (int k = 0; k < JV_TEXT_ISSUES; k++) {
        if (!t.count[k]) continue;
        size_t at = kinds++;
        for (; at > 0 && t.first[order[at - 1]] > t.first[k]; at--)
            order[at] = order[at - 1];
        order[at] = (jv_text_issue)k;
    }
    for (size_t i = 0; i < kinds; i++) {
        buf b = BUF_INIT;
        describe(&b, order[i], s, n, &t, is_key);
        report_at(c, s + t.first[order[i]],
                  order[i] == JV_TEXT_LONE_SURROGATE ? HAR_SEVERITY_WARNING : HAR_SEVERITY_ERROR,
                  NULL, buf_str(&b));
        buf_free(&b);
    }
}

/* The warning for a member name met again; first_line/first_column: where it was first. */
static void duplicate(har_strict *c, const char *raw, size_t raw_len, size_t first_line,
                      size_t first_column) {
    buf b = BUF_INIT;
    buf_puts(&b, "duplicate key \"");
    put_name(&b, raw, raw_len);
    buf_printf(&b, "\" (first at %zu:%zu): JSON readers differ on which value they keep",
               first_line, first_column);
    report_at(c, raw - 1, HAR_SEVERITY_WARNING, NULL, buf_str(&b));
    buf_free(&b);
}

/* Per member of an object with duplicate names: the earliest member of the same name (-1 when it
 * is the first), and where the first of several was (kept when it is passed). */
typedef struct dup {
    long first;
    int repeated;
    size_t line, column;
} dup;

static int same_name(const jv_member *a, const jv_member *b) {
    return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

static dup *new_dups(arena *a, size_t n) {
    dup *d = arena_alloc(a, n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i].first = -1;
    return d;
}

static void mark(dup **d, arena *a, size_t n, size_t later, size_t first) {
    if (!*d) *d = new_dups(a, n);
    (*d)[later].first = (long)first;
    (*d)[first].repeated = 1;
}

typedef struct name_ref {
    const jv_member *m;
    size_t index;
} name_ref;

static int by_name_then_index(const void *x, const void *y) {
    const name_ref *a = x, *b = y;
    if (a->m->klen != b->m->klen) return a->m->klen < b->m->klen ? -1 : 1;
    int d = memcmp(a->m->key, b->m->key, a->m->klen);
    if (d) return d;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorted: O(n log n) whatever the names. */
static dup *sorted_duplicates(const jv *o, arena *a) {
    size_t n = o->len, run = 0;
    name_ref *refs = arena_alloc(a, n * sizeof *refs);
    dup *d = NULL;
    for (size_t i = 0; i < n; i++)
        refs[i] = (name_ref){&o->members[i], i};
    qsort(refs, n, sizeof *refs, by_name_then_index);
    for (size_t i = 1; i < n; i++) {
        if (!same_name(refs[i].m, refs[run].m))
            run = i;
        else
            mark(&d, a, n, refs[i].index, refs[run].index);
    }
    return d;
}

/* NULL when the names (decoded) are unique: pairwise for small objects, else through a hash table
 * of member indices (open addressing, at most half full); names made to collide (the hash is not
 * keyed) exhaust a probe budget and are sorted instead. */
static dup *duplicates(const jv *o, arena *a) {
    size_t n = o->len, probes = 0;
    const jv_member *m = o->members;
    dup *d = NULL;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_name(&m[i], &m[j])) {
                    mark(&d, a, n, i, j);
                    break;
                }
        return d;
    }
    size_t size = 64;
    while (size < 2 * n)
        size *= 2;
    size_t *slots = arena_alloc(a, size * sizeof *slots); /* index + 1; 0: empty */
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)rae_hash(m[i].key, m[i].klen) & (size - 1);
        while (slots[h] && !same_name(&m[slots[h] - 1], &m[i])) {
            if (++probes > 8 * n) return sorted_duplicates(o, a);
            h = (h + 1) & (size - 1);
        }
        if (slots[h])
            mark(&d, a, n, i, slots[h] - 1);
        else
            slots[h] = i + 1;
    }
    return d;
}

static void walk(har_strict *c, jv *v, arena *a);

static void walk_object(har_strict *c, jv *o, arena *a) {
    dup *d = duplicates(o, a);
    for (size_t i = 0; i < o->len; i++) {
        jv_member *m = &o->members[i];
        push_key(c, m->raw, m->raw_len);
        /* In file order: the name's opening quote, then its text, then the value. */
        if (d && d[i].repeated) position(c, m->raw - 1, &d[i].line, &d[i].column);
        if (d && d[i].first >= 0) {
            const dup *f = &d[d[i].first];
            duplicate(c, m->raw, m->raw_len, f->line, f->column);
        }
        check_text(c, m->raw, m->raw_len, 1);
        walk(c, m->value, a);
        pop(c);
    }
}

static void walk(har_strict *c, jv *v, arena *a) {
    if (v->type == JV_STRING && !v->decoded) {
        check_text(c, v->s, v->len, 0);
    } else if (v->type == JV_ARRAY) {
        for (size_t i = 0; i < v->len; i++) {
            push_index(c, i);
            walk(c, v->items[i], a);
            pop(c);
        }
    } else if (v->type == JV_OBJECT) {
        walk_object(c, v, a);
    }
}

void har_strict_value(har_strict *c, jv *v, arena *a) {
    size_t base = c->base; /* an entry is checked inside the outline's walk: keep its frames */
    c->base = c->depth;
    walk(c, v, a);
    c->base = base;
}

/* The outline: the top-level object and `log`, walked over the raw text (the entries array is
 * too large to parse whole); every other value is parsed in place and walked as above. */
typedef struct outline {
    har_strict *c;
    har_reader *r;
    void (*entries)(void *user);
    void *user;
    int entries_done;
    arena *keep;    /* where names were first seen, for the walk */
    arena *scratch; /* one value at a time */
} outline;

typedef struct seen {
    size_t line, column;
} seen;

#define FAIL ((size_t)-1)

/* A value the reader's scanner has delimited (it reports what it cannot): parsed whole; what it
 * let through but is not JSON ("1x", "tru") is reported here. Returns the index past it. */
static size_t outline_value(outline *o, size_t vb) {
    const char *s = o->c->data, *why;
    size_t where, ve = har_scan_value(s, o->c->len, vb, &why, &where);
    if (ve == FAIL) return FAIL;
    rae_err jerr;
    jv *v = jv_parse(o->scratch, s + vb, ve - vb, NULL, &jerr);
    if (!v)
        report_at(o->c, s + vb + jerr.at.offset, HAR_SEVERITY_ERROR, HAR_PROBLEM_SYNTAX,
                  jerr.message);
    else
        walk(o->c, v, o->scratch);
    arena_reset(o->scratch);
    return ve;
}

/* An array of the outline (log.pages, a second log.entries): one element at a time. */
static size_t outline_array(outline *o, size_t i) {
    const char *s = o->c->data;
    size_t n = o->c->len, index = 0;
    i = har_scan_ws(s, n, i + 1);
    if (i < n && s[i] == ']') return i + 1;
    for (;;) {
        push_index(o->c, index++);
        i = outline_value(o, i);
        pop(o->c);
        if (i == FAIL) return FAIL;
        i = har_scan_ws(s, n, i);
        if (i < n && s[i] == ',') {
            i = har_scan_ws(s, n, i + 1);
            continue;
        }
        return i < n && s[i] == ']' ? i + 1 : FAIL;
    }
}

/* The member name at s[kb..ke) (with its quotes), decoded into o->scratch. */
static const char *decoded_name(outline *o, size_t kb, size_t ke, size_t *len) {
    const char *s = o->c->data;
    if (!memchr(s + kb, '\\', ke - kb)) {
        *len = ke - kb - 2;
        return s + kb + 1;
    }
    rae_err jerr;
    jv *k = jv_parse(o->scratch, s + kb, ke - kb, NULL, &jerr);
    return k ? jv_str(k, o->scratch, len) : (*len = 0, "");
}

/* Remembers where a name was first seen in this object, or warns that it was seen before. */
static void outline_name(outline *o, smap *names, size_t kb, size_t ke) {
    har_strict *c = o->c;
    size_t len;
    int created;
    const char *name = decoded_name(o, kb, ke, &len);
    void **slot = smap_slot(names, name, len, &created);
    if (created) {
        seen *at = arena_alloc(o->keep, sizeof *at);
        position(c, c->data + kb, &at->line, &at->column);
        *slot = at;
    } else {
        const seen *at = *slot;
        duplicate(c, c->data + kb + 1, ke - kb - 2, at->line, at->column);
    }
    arena_reset(o->scratch);
    check_text(c, c->data + kb + 1, ke - kb - 2, 1);
}

static size_t outline_object(outline *o, size_t i, int is_log);

/* One member: `log` is walked as the outline, the first log.entries is left to the reader. */
static size_t outline_member(outline *o, int in_log, size_t kb, size_t ke, size_t vb) {
    const char *s = o->c->data;
    size_t n = o->c->len;
    if (vb < n && s[vb] == '{' && !in_log && ke - kb == 5 && memcmp(s + kb, "\"log\"", 5) == 0)
        return outline_object(o, vb, 1);
    if (vb < n && s[vb] == '[' && in_log && vb + 1 == har_reader_entries_begin(o->r) &&
        !o->entries_done) {
        o->entries_done = 1;
        o->entries(o->user);
        size_t end = har_reader_entries_end(o->r);
        return end ? end : FAIL;
    }
    if (vb < n && s[vb] == '[') return outline_array(o, vb);
    return outline_value(o, vb);
}

/* The object at s[i] == '{': the top level, or `log`. Returns the index past it, or FAIL where
 * the reader's scanner reports the syntax. */
static size_t outline_object(outline *o, size_t i, int is_log) {
    const char *s = o->c->data;
    size_t n = o->c->len;
    smap *names = smap_new();
    i = har_scan_ws(s, n, i + 1);
    if (i < n && s[i] == '}') {
        smap_free(names);
        return i + 1;
    }
    for (;;) {
        size_t ke = i < n && s[i] == '"' ? har_scan_string(s, n, i) : FAIL;
        size_t colon = ke == FAIL ? n : har_scan_ws(s, n, ke);
        if (colon >= n || s[colon] != ':') break;
        push_key(o->c, s + i + 1, ke - i - 2);
        outline_name(o, names, i, ke);
        size_t ve = outline_member(o, is_log, i, ke, har_scan_ws(s, n, colon + 1));
        pop(o->c);
        if (ve == FAIL) break;
        i = har_scan_ws(s, n, ve);
        if (i < n && s[i] == ',') {
            i = har_scan_ws(s, n, i + 1);
            continue;
        }
        smap_free(names);
        return i < n && s[i] == '}' ? i + 1 : FAIL;
    }
    smap_free(names);
    return FAIL;
}

void har_strict_outline(har_strict *c, har_reader *r, void (*entries)(void *user), void *user) {
    outline o = {c, r, entries, user, 0, arena_new(), arena_new()};
    size_t i = har_scan_ws(c->data, c->len, 0);
    c->depth = c->base = 0;
    if (i < c->len && c->data[i] == '{') outline_object(&o, i, 0);
    if (!o.entries_done) entries(user); /* the walk stopped before them: read them anyway */
    arena_free(o.keep);
    arena_free(o.scratch);
}

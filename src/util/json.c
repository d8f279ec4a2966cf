#include "util/json.h"

#include "util/buf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    arena *a;
    const char *s;
    size_t n, i;
    rae_err *err; /* the caller's, or NULL */
    int failed;
    /* Scratch stacks for the children of open arrays and objects, copied into the arena when
     * each closes: one allocation per container, none per element. */
    jv **items;
    size_t n_items, cap_items;
    jv_member *members;
    size_t n_members, cap_members;
} parser;

static jv *fail(parser *p, const char *message, size_t at) {
    if (!p->failed) {
        p->failed = 1;
        rae_err_set(p->err, RAE_E_INVALID, "%s", message);
        if (p->err) p->err->at.offset = at;
    }
    return NULL;
}

static void ws(parser *p) {
    const char *s = p->s;
    size_t i = p->i, n = p->n;
    for (;;) {
        /* Pretty-printed input is mostly indentation: skip spaces eight at a time. */
        while (i + 8 <= n && memcmp(s + i, "        ", 8) == 0)
            i += 8;
        if (i >= n || (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')) break;
        i++;
    }
    p->i = i;
}

static void *grow(void *ptr, size_t *cap, size_t size) {
    *cap = *cap ? *cap * 2 : 64;
    void *q = realloc(ptr, *cap * size);
    if (!q) {
        fprintf(stderr, "rae: out of memory\n");
        abort();
    }
    return q;
}

static jv *node(parser *p, jv_type t) {
    jv *v = arena_alloc(p->a, sizeof *v);
    v->type = t;
    return v;
}

/* p->s[p->i] is '"': the index of the closing quote, or n. */
static size_t string_end(parser *p) {
    const char *s = p->s;
    size_t i = p->i + 1;
    for (;;) {
        const char *q = memchr(s + i, '"', p->n - i);
        if (!q) return p->n;
        size_t at = (size_t)(q - s), bs = 0;
        while (at - bs > i && s[at - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0) return at;
        i = at + 1;
    }
}

static jv *parse_string(parser *p) {
    size_t end = string_end(p);
    if (end >= p->n) return fail(p, "unterminated string", p->i);
    jv *v = node(p, JV_STRING);
    v->s = p->s + p->i + 1;
    v->len = end - p->i - 1;
    p->i = end + 1;
    return v;
}

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

static jv *parse_number(parser *p) {
    const char *s = p->s;
    size_t i = p->i, n = p->n, start = i;
    if (i < n && s[i] == '-') i++;
    if (i >= n || !is_digit(s[i])) return fail(p, "invalid number", start);
    if (s[i] == '0') {
        i++;
    } else {
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i])) return fail(p, "invalid number", start);
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= n || !is_digit(s[i])) return fail(p, "invalid number", start);
        while (i < n && is_digit(s[i]))
            i++;
    }
    jv *v = node(p, JV_NUMBER);
    v->s = s + start;
    v->len = i - start;
    p->i = i;
    return v;
}

static jv *parse_value(parser *p, int depth);

static jv *parse_array(parser *p, int depth) {
    size_t base = p->n_items;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return node(p, JV_ARRAY);
    }
    for (;;) {
        jv *child = parse_value(p, depth + 1);
        if (!child) return NULL;
        if (p->n_items == p->cap_items) p->items = grow(p->items, &p->cap_items, sizeof *p->items);
        p->items[p->n_items++] = child;
        ws(p);
        if (p->i >= p->n) return fail(p, "unexpected end of input inside an array", p->i);
        char c = p->s[p->i++];
        if (c == ']') break;
        if (c != ',') return fail(p, "expected ',' or ']' in array", p->i - 1);
        ws(p);
    }
    jv *v = node(p, JV_ARRAY);
    v->len = p->n_items - base;
    v->items = arena_alloc(p->a, v->len * sizeof *v->items);
    memcpy(v->items, p->items + base, v->len * sizeof *v->items);
    p->n_items = base;
    return v;
}

static jv *parse_object(parser *p, int depth) {
    size_t base = p->n_members;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return node(p, JV_OBJECT);
    }
    for (;;) {
        if (p->i >= p->n) return fail(p, "unexpected end of input inside an object", p->i);
        if (p->s[p->i] != '"') return fail(p, "expected a member name", p->i);
        jv *key = parse_string(p);
        if (!key) return NULL;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != ':')
            return fail(p, "expected ':' after a member name", p->i);
        p->i++;
        ws(p);
        jv *val = parse_value(p, depth + 1);
        if (!val) return NULL;
        if (p->n_members == p->cap_members)
            p->members = grow(p->members, &p->cap_members, sizeof *p->members);
        jv_member *m = &p->members[p->n_members++];
        m->raw = key->s; /* before jv_str() below replaces it with the decoded text */
        m->raw_len = key->len;
        /* Keys without escapes stay in the input (most keys): no copy until jv_key(). */
        if (memchr(key->s, '\\', key->len)) {
            m->key = jv_str(key, p->a, &m->klen);
            m->terminated = 1;
        } else {
            m->key = key->s;
            m->klen = key->len;
            m->terminated = 0;
        }
        m->value = val;
        ws(p);
        if (p->i >= p->n) return fail(p, "unexpected end of input inside an object", p->i);
        char c = p->s[p->i++];
        if (c == '}') break;
        if (c != ',') return fail(p, "expected ',' or '}' in object", p->i - 1);
        ws(p);
    }
    jv *v = node(p, JV_OBJECT);
    v->len = p->n_members - base;
    v->members = arena_alloc(p->a, v->len * sizeof *v->members);
    memcpy(v->members, p->members + base, v->len * sizeof *v->members);
    p->n_members = base;
    return v;
}

static jv *literal(parser *p, const char *word, jv_type t) {
    size_t n = strlen(word);
    if (p->n - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return fail(p, "invalid literal", p->i);
    p->i += n;
    return node(p, t);
}

static jv *parse_value(parser *p, int depth) {
    if (depth > JV_MAX_DEPTH) return fail(p, "nesting too deep", p->i);
    ws(p);
    if (p->i >= p->n) return fail(p, "unexpected end of input, a value was expected", p->i);
    switch (p->s[p->i]) {
    case '{':
        return parse_object(p, depth);
    case '[':
        return parse_array(p, depth);
    case '"':
        return parse_string(p);
    case 't':
        return literal(p, "true", JV_TRUE);
    case 'f':
        return literal(p, "false", JV_FALSE);
    case 'n':
        return literal(p, "null", JV_NULL);
    default:
        if (p->s[p->i] == '-' || is_digit(p->s[p->i])) return parse_number(p);
        return fail(p, "unexpected character", p->i);
    }
}

jv *jv_parse(arena *a, const char *s, size_t n, size_t *end, rae_err *err) {
    parser p = {.a = a, .s = s, .n = n, .err = err};
    jv *v = parse_value(&p, 0);
    if (v) {
        ws(&p);
        if (end)
            *end = p.i;
        else if (p.i < n)
            v = fail(&p, "unexpected data after the value", p.i);
    }
    free(p.items);
    free(p.members);
    return v;
}

const char *jv_key(jv_member *m, arena *a) {
    if (!m->terminated) {
        m->key = arena_strndup(a, m->key, m->klen);
        m->terminated = 1;
    }
    return m->key;
}

jv *jv_get(const jv *v, const char *key) {
    if (!v || v->type != JV_OBJECT) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < v->len; i++)
        if (v->members[i].klen == klen && memcmp(v->members[i].key, key, klen) == 0)
            return v->members[i].value;
    return NULL;
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t k = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (k == 0 || k > n) return 0;
    for (size_t j = 1; j < k; j++)
        if ((s[j] & 0xC0) != 0x80) return 0;
    if (k == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))) return 0;
    if (k == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))) return 0;
    return k;
}

/* Appends the decoded form of s[0..n) to out. */
static void decode_into(const char *s, size_t n, buf *out) {
    size_t i = 0;
    char u[4];
    while (i < n) {
        /* Copy the longest run that needs no work in one go. */
        size_t run = i;
        while (run < n && (unsigned char)s[run] < 0x80 && s[run] != '\\')
            run++;
        buf_append(out, s + i, run - i);
        i = run;
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[i + 1];
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *m = memchr(from, e, 8);
            unsigned cp;
            if (m) {
                buf_putc(out, to[m - from]);
                i += 2;
                continue;
            }
            if (e == 'u' && i + 6 <= n && hex4(s + i + 2, &cp) == 0) {
                i += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' &&
                        hex4(s + i + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                buf_append(out, u, put_utf8(u, cp));
                continue;
            }
            buf_append(out, u, put_utf8(u, 0xFFFD)); /* invalid escape */
            i += 2;
            continue;
        }
        size_t k = c == '\\' ? 0 : utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            buf_append(out, u, put_utf8(u, 0xFFFD));
            i++;
        } else {
            buf_append(out, s + i, k);
            i += k;
        }
    }
}

static const char *decode(const char *s, size_t n, arena *a, size_t *out_len) {
    size_t i = 0; /* plain ASCII without escapes (most strings): one copy */
    while (i < n && (unsigned char)s[i] < 0x80 && s[i] != '\\')
        i++;
    if (i == n) {
        *out_len = n;
        return arena_strndup(a, s, n);
    }
    buf b = BUF_INIT;
    buf_reserve(&b, n);
    decode_into(s, n, &b);
    *out_len = b.len;
    const char *r = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return r;
}

/* Index of the first byte at or after i that needs a look: a backslash, a control character or a
 * byte >= 0x80. 16 bytes at a time with GCC/Clang vectors (SSE2 on x86-64): a byte b is plain when
 * b - 0x20 < 0x60 (unsigned) and b != '\\'. */
typedef unsigned char u8x16 __attribute__((vector_size(16)));

static int needs_look(const unsigned char *p) {
    u8x16 v;
    uint64_t w[2];
    memcpy(&v, p, 16);
    u8x16 hit = (u8x16)((u8x16)(v - 0x20) >= 0x60) | (u8x16)(v == '\\');
    memcpy(w, &hit, 16);
    return (w[0] | w[1]) != 0;
}

static size_t plain_run(const unsigned char *s, size_t i, size_t n) {
    while (i + 32 <= n && !needs_look(s + i) && !needs_look(s + i + 16))
        i += 32;
    while (i + 16 <= n && !needs_look(s + i))
        i += 16;
    if (i + 16 > n && i < n) { /* the last 1..15 bytes (most strings), padded with plain ones */
        unsigned char tail[16];
        memset(tail, 'a', sizeof tail);
        memcpy(tail, s + i, n - i);
        if (!needs_look(tail)) return n;
    }
    while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '\\')
        i++;
    return i;
}

const char *jv_utf8_invalid(const char *s, size_t n, size_t *len) {
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    size_t k = 1;
    if (c < 0xC0) { /* a run of continuation bytes is one invalid sequence */
        while (k < n && (u[k] & 0xC0) == 0x80)
            k++;
        *len = k;
        return "continuation byte without a lead byte";
    }
    if (c >= 0xF8) {
        *len = 1;
        return "byte that never occurs in UTF-8";
    }
    size_t want = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    while (k < want && k < n && (u[k] & 0xC0) == 0x80)
        k++;
    *len = k;
    if (c <= 0xC1 || (k >= 2 && ((c == 0xE0 && u[1] < 0xA0) || (c == 0xF0 && u[1] < 0x90))))
        return "overlong encoding";
    if (k >= 2 && c == 0xED && u[1] >= 0xA0) return "UTF-16 surrogate encoded in UTF-8";
    if (c >= 0xF5 || (k >= 2 && c == 0xF4 && u[1] >= 0x90)) return "code point above U+10FFFF";
    return "truncated sequence";
}

static void note(jv_text_check *out, jv_text_issue what, size_t at) {
    if (out->count[what]++ == 0) out->first[what] = at;
}

/* s[i] is '\\': checks the escape, returns the index past it. */
static size_t check_escape(const char *s, size_t i, size_t n, jv_text_check *out) {
    unsigned cp, lo;
    if (i + 1 < n && memchr("\"\\/bfnrt", s[i + 1], 8)) return i + 2;
    if (i + 6 > n || s[i + 1] != 'u' || hex4(s + i + 2, &cp) < 0) {
        note(out, JV_TEXT_BAD_ESCAPE, i);
        return i + 1; /* what follows the backslash is checked as text */
    }
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' &&
        hex4(s + i + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
        return i + 12; /* a pair */
    if (cp >= 0xD800 && cp <= 0xDFFF) note(out, JV_TEXT_LONE_SURROGATE, i);
    return i + 6;
}

size_t jv_text_check_raw(const char *s, size_t n, jv_text_check *out) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    memset(out->count, 0, sizeof out->count);
    for (;;) {
        i = plain_run(u, i, n);
        if (i >= n) break;
        if (u[i] == '\\') {
            i = check_escape(s, i, n, out);
        } else if (u[i] < 0x20) {
            note(out, JV_TEXT_CONTROL, i++);
        } else {
            size_t k = utf8_len(u + i, n - i);
            if (k == 0) {
                note(out, JV_TEXT_BAD_UTF8, i);
                jv_utf8_invalid(s + i, n - i, &k);
            }
            i += k;
        }
    }
    size_t total = 0;
    for (int k = 0; k < JV_TEXT_ISSUES; k++)
        total += out->count[k];
    return total;
}

const char *jv_str(jv *v, arena *a, size_t *len) {
    if (!v || v->type != JV_STRING) return NULL;
    if (!v->decoded) {
        v->s = decode(v->s, v->len, a, &v->len);
        v->decoded = 1;
    }
    if (len) *len = v->len;
    return v->s;
}

double jv_num(const jv *v) {
    if (!v || v->type != JV_NUMBER) return 0;
    char tmp[64];
    size_t n = v->len < sizeof tmp - 1 ? v->len : sizeof tmp - 1;
    memcpy(tmp, v->s, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

int jv_is_int(const jv *v) {
    if (!v || v->type != JV_NUMBER) return 0;
    for (size_t i = 0; i < v->len; i++)
        if (v->s[i] == '.' || v->s[i] == 'e' || v->s[i] == 'E') return 0;
    return 1;
}

const char *jv_num_text(const jv *v, arena *a) {
    if (!v || v->type != JV_NUMBER) return "";
    return arena_strndup(a, v->s, v->len);
}

/* s[0..n) as a JSON string: runs that need no escape are copied whole. */
static void dump_string(const char *s, size_t n, buf *out) {
    static const char hex[] = "0123456789abcdef";
    buf_reserve(out, n + 2);
    buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        buf_append(out, s + run, i - run);
        run = i + 1;
        const char *short_esc = c == '"'    ? "\\\""
                                : c == '\\' ? "\\\\"
                                : c == '\n' ? "\\n"
                                : c == '\r' ? "\\r"
                                : c == '\t' ? "\\t"
                                            : NULL;
        if (short_esc) {
            buf_append(out, short_esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(out, esc, sizeof esc);
        }
    }
    buf_append(out, s + run, n - run);
    buf_putc(out, '"');
}

void jv_dump(jv *v, arena *a, buf *out) {
    size_t len;
    switch (v->type) {
    case JV_NULL:
        buf_puts(out, "null");
        break;
    case JV_FALSE:
        buf_puts(out, "false");
        break;
    case JV_TRUE:
        buf_puts(out, "true");
        break;
    case JV_NUMBER:
        buf_append(out, v->s, v->len);
        break;
    case JV_STRING: {
        const char *s = jv_str(v, a, &len);
        dump_string(s, len, out);
        break;
    }
    case JV_ARRAY:
        buf_putc(out, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_putc(out, ',');
            jv_dump(v->items[i], a, out);
        }
        buf_putc(out, ']');
        break;
    case JV_OBJECT:
        buf_putc(out, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_putc(out, ',');
            dump_string(v->members[i].key, v->members[i].klen, out);
            buf_putc(out, ':');
            jv_dump(v->members[i].value, a, out);
        }
        buf_putc(out, '}');
        break;
    }
}

static int dump_real(double d, int precision, buf *out) {
    if (!isfinite(d)) return -1; /* JSON has no NaN or infinity */
    char num[64];
    int n = snprintf(num, sizeof num, "%.*g", precision > 0 ? precision : 17, d);
    buf_append(out, num, (size_t)n);
    if (strspn(num, "-0123456789") == (size_t)n) buf_puts(out, ".0"); /* stays a real */
    return 0;
}

static int dump_object(const json_t *v, int precision, buf *out) {
    buf_putc(out, '{');
    int first = 1;
    for (void *it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it)) {
        if (!first) buf_putc(out, ',');
        first = 0;
        dump_string(json_object_iter_key(it), json_object_iter_key_len(it), out);
        buf_putc(out, ':');
        if (jv_dump_jansson(json_object_iter_value(it), precision, out) < 0) return -1;
    }
    buf_putc(out, '}');
    return 0;
}

int jv_dump_jansson(const json_t *v, int precision, buf *out) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return dump_object(v, precision, out);
    case JSON_ARRAY:
        buf_putc(out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) buf_putc(out, ',');
            if (jv_dump_jansson(json_array_get(v, i), precision, out) < 0) return -1;
        }
        buf_putc(out, ']');
        return 0;
    case JSON_STRING:
        dump_string(json_string_value(v), json_string_length(v), out);
        return 0;
    case JSON_INTEGER:
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return 0;
    case JSON_REAL:
        return dump_real(json_real_value(v), precision, out);
    case JSON_TRUE:
        buf_puts(out, "true");
        return 0;
    case JSON_FALSE:
        buf_puts(out, "false");
        return 0;
    case JSON_NULL:
        buf_puts(out, "null");
        return 0;
    }
    return -1;
}

static void newline(buf *out, int depth) {
    buf_putc(out, '\n');
    buf_fill(out, ' ', (size_t)depth * 2);
}

void jv_pretty(const char *s, size_t n, buf *out) {
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            buf_append(out, s + i, (j < n ? j + 1 : n) - i);
            i = j;
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            if (i + 1 < n && s[i + 1] == close) {
                buf_putc(out, c);
                buf_putc(out, close);
                i++;
                continue;
            }
            buf_putc(out, c);
            newline(out, ++depth);
        } else if (c == '}' || c == ']') {
            newline(out, --depth);
            buf_putc(out, c);
        } else if (c == ',') {
            buf_putc(out, ',');
            newline(out, depth);
        } else if (c == ':') {
            buf_puts(out, ": ");
        } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            buf_putc(out, c);
        }
    }
}

/* One pass over the HAR: noise out, every kept request's values recorded, and every response's
 * values indexed so that a later request's value can be traced to where it came from. */
#include "engineer/ingest.h"

#include "util/text.h"
#include "util/url.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_INDEXED_VALUE 512
#define MAX_HTML_SCAN (4u << 20)
#define WORD_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-:."

/* "type/subtype" in lower case without parameters; "" for what is not a media type (Playwright
 * writes "x-unknown" when a response had no Content-Type). */
static const char *mime_base(arena *a, const char *mime) {
    size_t n = strcspn(mime, ";");
    const char *slash = memchr(mime, '/', n);
    if (!slash || slash == mime || slash == mime + n - 1) return "";
    while (n && mime[n - 1] == ' ')
        n--;
    char *m = arena_strndup(a, mime, n);
    for (char *p = m; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return m;
}

static int is_json_mime(const char *m) {
    return strstr(m, "json") != NULL;
}

static void split_segments(arena *a, const char *path, raw_call *c) {
    size_t n = 0;
    for (const char *p = path; *p; p++)
        n += *p == '/';
    c->segs = arena_alloc(a, (n + 1) * sizeof *c->segs);
    c->seg_param = arena_alloc(a, (n + 1) * sizeof *c->seg_param);
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len) c->segs[c->n_segs++] = url_decode(a, p, len, 0);
        p += len;
    }
}

/* ---- value sources ---- */

static int small_int(const char *v) {
    size_t n = strlen(v);
    return n > 0 && n < 3 && strspn(v, "0123456789") == n;
}

/* A value unlikely to be held by two unrelated fields: an opaque id or token, a long number, a
 * long text, or letters mixed with digits. */
static int distinctive(const char *v) {
    size_t n = strlen(v), digits = 0;
    seg_kind k = eng_segment_kind(v);
    if (eng_looks_random(v) || k == SEG_UUID || k == SEG_HEX || k == SEG_TOKEN) return 1;
    if (k == SEG_INT) return n >= 5;
    for (size_t i = 0; i < n; i++)
        digits += isdigit((unsigned char)v[i]) != 0;
    return n >= 24 || (n >= 8 && digits > 0 && digits < n);
}

/* A name that says its value is passed along: an id or a name of a thing, a cursor, a token. */
static int flow_name(const char *name) {
    static const char *const words[] = {"cursor", "token",   "next",   "after",
                                        "before", "continu", "marker", NULL};
    if (eng_is_ref_key(name)) return 1;
    for (size_t i = 0; words[i]; i++)
        if (strcasestr(name, words[i])) return 1;
    return 0;
}

static void lookup(ingest *in, raw_value *rv) {
    size_t n = strlen(rv->value);
    if (n == 0 || n > MAX_INDEXED_VALUE) return;
    if (strcmp(rv->value, "true") == 0 || strcmp(rv->value, "false") == 0 ||
        strcmp(rv->value, "null") == 0)
        return;
    eng_source *s = smap_get(in->index, rv->value, n);
    if (rv->where == RAW_SEG) {
        eng_source *ref = smap_get(in->refs, rv->value, n);
        if (ref) rv->ref = *ref;
    }
    if (!s) return;
    /* Small numbers match too much: only id fields feeding id slots or path segments. */
    if (small_int(rv->value) &&
        !(eng_is_id_key(s->key) && (rv->where == RAW_SEG || eng_is_id_key(rv->name))))
        return;
    /* A small, common value ("open", "draft") that an earlier answer also held is a look-alike,
     * not a flow, unless a name on either side says it is passed along. Path segments are
     * parameters by their place, and headers, cookies and pages are indexed by such names. */
    if (rv->where != RAW_SEG && s->kind == ENG_SRC_JSON && !distinctive(rv->value) &&
        !flow_name(s->key) && !flow_name(rv->name))
        return;
    /* A word one of a list of words held ("refresh_token" of grant_types_supported) is one of a
     * set of constants, whatever the names say. */
    if (rv->where != RAW_SEG && s->kind == ENG_SRC_JSON && !distinctive(rv->value) &&
        s->path[strlen(s->path) - 1] == ']' && strspn(rv->value, WORD_CHARS) == n)
        return;
    rv->src = *s;
}

static raw_value *add_value(ingest *in, raw_call *c, pvec *vals, raw_where where, const char *name,
                            const char *value) {
    raw_value *rv = arena_alloc(in->a, sizeof *rv);
    rv->where = where;
    rv->name = name;
    rv->value = value;
    lookup(in, rv);
    pvec_push(vals, rv);
    (void)c;
    return rv;
}

static void remember_sent(ingest *in, const raw_call *c) {
    for (size_t i = 0; i < c->n_values; i++) {
        const char *v = c->values[i].value;
        size_t n = strlen(v);
        if (n == 0 || n > MAX_INDEXED_VALUE || c->values[i].src.kind != ENG_SRC_NONE) continue;
        int created;
        void **slot = smap_slot(in->sent, v, n, &created);
        if (created) *slot = (void *)1;
    }
}

/* The first response that held a value is where it was born: later ones do not replace it. */
static void remember_source(ingest *in, smap *into, long call, eng_source_kind kind,
                            const char *path, const char *key, const char *value, size_t n) {
    int created;
    void **slot = smap_slot(into, value, n, &created);
    if (!created) return;
    eng_source *s = arena_alloc(in->a, sizeof *s);
    s->kind = kind;
    s->call = call;
    s->path = arena_strdup(in->a, path);
    s->key = arena_strdup(in->a, key);
    *slot = s;
}

static void index_value(ingest *in, long call, eng_source_kind kind, const char *path,
                        const char *key, const char *value) {
    size_t n = strlen(value);
    if (n == 0 || n > MAX_INDEXED_VALUE) return;
    if (n < 3 && !(strspn(value, "0123456789") == n && eng_is_id_key(key))) return;
    /* A list of things names each by an id or a name ("[2].name"): a path segment with that
     * value is a parameter, even when the user typed the value first. */
    if (kind == ENG_SRC_JSON && strchr(path, '[') && eng_is_ref_key(key))
        remember_source(in, in->refs, call, kind, path, key, value, n);
    if (smap_get(in->sent, value, n)) return; /* the client sent it first: user input, no flow */
    remember_source(in, in->index, call, kind, path, key, value, n);
}

/* A field that may hold a key a later request is signed with ("signing_key", "hmac_secret"). */
static void remember_key(ingest *in, long call, const char *path, const char *key,
                         const char *value) {
    size_t n = strlen(value);
    if (n < 16 || n > 256 ||
        !(strcasestr(key, "key") || strcasestr(key, "secret") || strcasestr(key, "sign") ||
          strcasestr(key, "hmac")))
        return;
    eng_source *s = arena_alloc(in->a, sizeof *s);
    *s = (eng_source){ENG_SRC_JSON, call, arena_strdup(in->a, path), arena_strdup(in->a, value)};
    pvec_push(&in->keys, s);
}

static void index_json(ingest *in, long call, jv *v, buf *path, const char *key) {
    size_t mark = path->len;
    switch (v->type) {
    case JV_STRING:
        index_value(in, call, ENG_SRC_JSON, buf_str(path), key, jv_str(v, in->a, NULL));
        remember_key(in, call, buf_str(path), key, jv_str(v, in->a, NULL));
        break;
    case JV_NUMBER:
        if (jv_is_int(v))
            index_value(in, call, ENG_SRC_JSON, buf_str(path), key, jv_num_text(v, in->a));
        break;
    case JV_ARRAY:
        for (size_t i = 0; i < v->len && i < 200; i++) {
            char idx[24];
            int n = snprintf(idx, sizeof idx, "[%zu]", i);
            buf_append(path, idx, (size_t)n);
            index_json(in, call, v->items[i], path, key);
            path->len = mark;
            path->data[mark] = '\0';
        }
        break;
    case JV_OBJECT:
        for (size_t i = 0; i < v->len; i++) {
            const char *k = jv_key(&v->members[i], in->a);
            if (mark) buf_putc(path, '.');
            buf_append(path, k, v->members[i].klen);
            index_json(in, call, v->members[i].value, path, k);
            path->len = mark;
            if (path->data) path->data[mark] = '\0';
        }
        break;
    default:
        break;
    }
}

/* ---- HTML: meta tags, form inputs, inline script assignments ---- */

static const char *html_unescape(arena *a, const char *s, size_t n) {
    static const struct {
        const char *ent, *ch;
    } ents[] = {{"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"},  {"&#x27;", "'"},
                {"&lt;", "<"},  {"&gt;", ">"},    {"&#x2F;", "/"}, {"&#47;", "/"}};
    buf b = BUF_INIT;
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        for (size_t e = 0; s[i] == '&' && e < sizeof ents / sizeof *ents; e++) {
            size_t l = strlen(ents[e].ent);
            if (i + l <= n && strncasecmp(s + i, ents[e].ent, l) == 0) {
                buf_puts(&b, ents[e].ch);
                k = l;
                break;
            }
        }
        if (!k) {
            buf_putc(&b, s[i]);
            k = 1;
        }
        i += k;
    }
    const char *r = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return r;
}

/* The value of attribute attr inside tag[0..n), or NULL. */
static const char *tag_attr(arena *a, const char *tag, size_t n, const char *attr) {
    size_t al = strlen(attr);
    for (size_t i = 1; i + al < n; i++) {
        if (!isspace((unsigned char)tag[i - 1]) || strncasecmp(tag + i, attr, al) != 0) continue;
        size_t j = i + al;
        while (j < n && isspace((unsigned char)tag[j]))
            j++;
        if (j >= n || tag[j] != '=') continue;
        j++;
        while (j < n && isspace((unsigned char)tag[j]))
            j++;
        if (j >= n) return NULL;
        char q = tag[j];
        size_t start, end;
        if (q == '"' || q == '\'') {
            start = j + 1;
            const char *close = memchr(tag + start, q, n - start);
            if (!close) return NULL;
            end = (size_t)(close - tag);
        } else {
            start = j;
            end = j;
            while (end < n && !isspace((unsigned char)tag[end]) && tag[end] != '>')
                end++;
        }
        return html_unescape(a, tag + start, end - start);
    }
    return NULL;
}

/* A page that names an origin in its configuration (window.__CONFIG__ = {apiBase: "https://api.
 * example"}, <meta name="api-url" content=...>, an inline JSON block): the first one is where the
 * client finds that origin. */
static void index_config(ingest *in, long call, eng_source_kind kind, const char *key,
                         const char *value) {
    url_parts u;
    if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) return;
    if (url_parse(in->a, value, &u) != 0) return;
    remember_source(in, in->configs, call, kind, key, key, u.origin, strlen(u.origin));
}

static void index_tags(ingest *in, long call, const char *html, size_t n, const char *tagname,
                       const char *name_attr, const char *value_attr, eng_source_kind kind) {
    size_t tl = strlen(tagname);
    for (const char *p = html; (p = strcasestr(p, tagname)) != NULL && (size_t)(p - html) < n;
         p += tl) {
        const char *end = memchr(p, '>', n - (size_t)(p - html));
        if (!end) break;
        size_t len = (size_t)(end - p);
        const char *name = tag_attr(in->a, p, len, name_attr);
        if (!name && kind == ENG_SRC_HTML_META) name = tag_attr(in->a, p, len, "property");
        const char *value = tag_attr(in->a, p, len, value_attr);
        if (name && value && *name) index_value(in, call, kind, name, name, value);
        if (name && value && *name && kind == ENG_SRC_HTML_META)
            index_config(in, call, kind, name, value);
    }
}

/* KEY: "VALUE", "KEY": "VALUE" or KEY = "VALUE" inside <script> blocks: tokens, settings of the
 * page's configuration, and URLs (a configuration naming the origins the page calls). */
static void index_scripts(ingest *in, long call, const char *html, size_t n) {
    for (const char *p = html; (p = strcasestr(p, "<script")) != NULL && (size_t)(p - html) < n;
         p += 7) {
        const char *end = strcasestr(p, "</script");
        if (!end) end = html + n;
        for (const char *q = p; q < end; q++) {
            if (*q != '"' && *q != '\'') continue;
            char quote = *q;
            const char *vend = memchr(q + 1, quote, (size_t)(end - q - 1));
            if (!vend) break;
            size_t vlen = (size_t)(vend - q - 1);
            /* look back for "key" = / key: */
            const char *k = q - 1;
            while (k > p && isspace((unsigned char)*k))
                k--;
            if (vlen >= 8 && vlen <= 256 && k > p && (*k == '=' || *k == ':')) {
                k--;
                while (k > p && isspace((unsigned char)*k))
                    k--;
                if (*k == '"' || *k == '\'') k--;
                const char *kend = k + 1;
                while (k > p && (isalnum((unsigned char)*k) || *k == '_' || *k == '-' || *k == '$'))
                    k--;
                size_t klen = (size_t)(kend - k - 1);
                if (klen > 0 && klen < 64) {
                    char *key = arena_strndup(in->a, k + 1, klen);
                    char *value = arena_strndup(in->a, q + 1, vlen);
                    /* a token, or a setting of the page's configuration (a client id, a
                     * redirect URI) that later requests send */
                    index_value(in, call, ENG_SRC_HTML_SCRIPT, key, key, value);
                    index_config(in, call, ENG_SRC_HTML_SCRIPT, key, value);
                }
            }
            q = vend;
        }
        p = end;
        if (p >= html + n) break;
    }
}

static void index_html(ingest *in, long call, const char *html, size_t n) {
    if (n > MAX_HTML_SCAN) n = MAX_HTML_SCAN;
    char *copy = arena_strndup(in->a, html, n); /* NUL-terminated for strcasestr */
    index_tags(in, call, copy, n, "<meta", "name", "content", ENG_SRC_HTML_META);
    index_tags(in, call, copy, n, "<input", "name", "value", ENG_SRC_HTML_INPUT);
    index_scripts(in, call, copy, n);
}

/* Link: <URL>; rel="next", <URL>; rel="prev" (RFC 8288): each query parameter of each URL,
 * indexed under its rel and its name. */
static void index_links(ingest *in, long call, const char *value) {
    for (const char *p = value; (p = strchr(p, '<')) != NULL;) {
        const char *close = strchr(p, '>');
        if (!close) return;
        const char *params = close + 1, *next = strchr(params, '<');
        size_t plen = next ? (size_t)(next - params) : strlen(params);
        const char *rel = strcasestr(arena_strndup(in->a, params, plen), "rel=");
        if (rel) {
            rel += 4 + (rel[4] == '"');
            const char *name = arena_strndup(in->a, rel, strcspn(rel, "\" ;,"));
            const char *q = memchr(p, '?', (size_t)(close - p));
            har_pairs qp =
                q ? url_split_query(in->a, q + 1, (size_t)(close - q - 1)) : (har_pairs){0};
            for (size_t i = 0; i < qp.n && *name; i++)
                index_value(in, call, ENG_SRC_LINK, name, qp.items[i].name, qp.items[i].value);
        }
        p = close + 1;
    }
}

/* Location: URL?code=...&state=... (a redirect back from a sign-in): each query parameter. */
static void index_location(ingest *in, long call, const char *value) {
    const char *q = strchr(value, '?');
    if (!q) return;
    size_t n = strcspn(q + 1, "#");
    har_pairs qp = url_split_query(in->a, q + 1, n);
    for (size_t i = 0; i < qp.n; i++)
        index_value(in, call, ENG_SRC_LOCATION, "Location", qp.items[i].name, qp.items[i].value);
}

/* A page that redirected to another origin (a sign-in server) is where the client finds it. */
static void location_config(ingest *in, long call, const har_entry *e) {
    if (strcasecmp(e->method, "GET") != 0 || e->status < 300 || e->status > 399) return;
    for (size_t i = 0; i < e->resp_headers.n; i++)
        if (strcasecmp(e->resp_headers.items[i].name, "location") == 0)
            index_config(in, call, ENG_SRC_LOCATION, "Location", e->resp_headers.items[i].value);
}

static void index_response_headers(ingest *in, long call, const har_entry *e) {
    location_config(in, call, e);
    for (size_t i = 0; i < e->resp_cookies.n; i++) {
        const har_pair *p = &e->resp_cookies.items[i];
        index_value(in, call, ENG_SRC_COOKIE, p->name, p->name, p->value);
        *smap_slot(in->set_cookies, p->name, strlen(p->name), NULL) = (void *)1;
    }
    for (size_t i = 0; i < e->resp_headers.n; i++) {
        const har_pair *h = &e->resp_headers.items[i];
        if (strcasecmp(h->name, "set-cookie") == 0) {
            /* name=value; attrs — some writers leave response.cookies empty */
            size_t eq = strcspn(h->value, "=;");
            if (h->value[eq] != '=') continue;
            const char *name = arena_strndup(in->a, h->value, eq);
            const char *v = h->value + eq + 1;
            const char *value = arena_strndup(in->a, v, strcspn(v, ";"));
            index_value(in, call, ENG_SRC_COOKIE, name, name, value);
            *smap_slot(in->set_cookies, name, strlen(name), NULL) = (void *)1;
        } else if (strcasecmp(h->name, "link") == 0) {
            index_links(in, call, h->value);
        } else if (strcasecmp(h->name, "location") == 0) {
            index_location(in, call, h->value);
        } else if (strcasecmp(h->name, "etag") == 0) {
            index_value(in, call, ENG_SRC_HEADER, "ETag", "ETag", h->value);
        } else if (strcasestr(h->name, "token") || strcasestr(h->name, "csrf") ||
                   strcasestr(h->name, "xsrf") || strcasestr(h->name, "api-key")) {
            index_value(in, call, ENG_SRC_HEADER, h->name, h->name, h->value);
        }
    }
}

/* ---- request values ---- */

static void cookie_values(ingest *in, raw_call *c, pvec *vals, const char *header) {
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        const char *eq = memchr(p, '=', len);
        if (eq) {
            const char *name = arena_strndup(in->a, p, (size_t)(eq - p));
            const char *value = arena_strndup(in->a, eq + 1, len - (size_t)(eq - p) - 1);
            add_value(in, c, vals, RAW_COOKIE, name, value);
        }
        p += len;
    }
}

/* The value of `attr="..."` in a part's headers (name=, filename=), or NULL. */
static const char *part_attr(arena *a, const char *headers, const char *attr) {
    size_t n = strlen(attr);
    for (const char *q = headers; (q = strcasestr(q, attr)) != NULL; q += n)
        if ((q == headers || q[-1] == ' ' || q[-1] == ';' || q[-1] == '\t') && q[n] == '=' &&
            q[n + 1] == '"')
            return arena_strndup(a, q + n + 2, strcspn(q + n + 2, "\""));
    return NULL;
}

/* A file part's bytes as a value: the text when it is UTF-8 without NULs, else base64. */
static void file_value(ingest *in, raw_value *rv, const char *bytes, size_t len) {
    if (memchr(bytes, '\0', len) || !text_utf8_valid(bytes, len)) {
        rv->value = text_base64(in->a, bytes, len);
        rv->file_base64 = 1;
    }
}

/* One part: headers up to the blank line, then the content. */
static void multipart_part(ingest *in, raw_call *c, pvec *vals, const char *p, size_t n) {
    const char *hend = memmem(p, n, "\r\n\r\n", 4);
    if (!hend) return;
    char *headers = arena_strndup(in->a, p, (size_t)(hend - p));
    const char *name = part_attr(in->a, headers, "name");
    if (!name) return;
    const char *content = hend + 4;
    size_t clen = n - (size_t)(content - p);
    if (clen >= 2 && content[clen - 2] == '\r' && content[clen - 1] == '\n') clen -= 2;
    raw_value *rv = add_value(in, c, vals, RAW_BODY, name, arena_strndup(in->a, content, clen));
    const char *fname = part_attr(in->a, headers, "filename");
    if (!fname) return;
    rv->is_file = 1;
    rv->file_name = fname;
    char *ct = strcasestr(headers, "content-type:");
    if (ct) {
        ct += 13;
        while (*ct == ' ')
            ct++;
        rv->content_type = arena_strndup(in->a, ct, strcspn(ct, "\r\n"));
    }
    file_value(in, rv, content, clen);
}

/* Multipart parts from the raw body (binary-safe), when the HAR has no params. */
static void multipart_values(ingest *in, raw_call *c, pvec *vals, const char *ctype,
                             const char *body, size_t len) {
    const char *b = strcasestr(ctype, "boundary=");
    if (!b) return;
    b += 9;
    size_t bl = strcspn(b, "; ");
    if (b[0] == '"') {
        b++;
        bl = strcspn(b, "\"");
    }
    char boundary[256];
    if (bl == 0 || bl + 5 > sizeof boundary) return;
    int blen = snprintf(boundary, sizeof boundary, "\r\n--%.*s", (int)bl, b);
    /* The first boundary may start the body, without the CRLF before it. */
    const char *end = body + len;
    const char *p = len >= (size_t)blen - 2 && memcmp(body, boundary + 2, (size_t)blen - 2) == 0
                        ? body + blen - 2
                        : memmem(body, len, boundary, (size_t)blen);
    if (p && p != body + blen - 2) p += blen;
    while (p && end - p >= 2 && memcmp(p, "--", 2) != 0) {
        if (end - p >= 2 && memcmp(p, "\r\n", 2) == 0) p += 2;
        const char *next = memmem(p, (size_t)(end - p), boundary, (size_t)blen);
        if (!next) break;
        multipart_part(in, c, vals, p, (size_t)(next - p) + 2); /* keep the CRLF: trimmed there */
        p = next + blen;
    }
}

/* A JSON object body's fields as the call's values (non-strings as JSON text). */
static void object_values(ingest *in, raw_call *c, pvec *vals, jv *j) {
    for (size_t i = 0; i < j->len; i++) {
        jv *v = j->members[i].value;
        const char *key = jv_key(&j->members[i], in->a);
        if (v->type == JV_STRING) {
            add_value(in, c, vals, RAW_BODY, key, jv_str(v, in->a, NULL));
        } else {
            buf b = BUF_INIT;
            jv_dump(v, in->a, &b);
            add_value(in, c, vals, RAW_BODY, key, arena_strdup(in->a, buf_str(&b)))->is_json = 1;
            buf_free(&b);
        }
    }
}

static const char *skip_space(const char *q) {
    return q + strspn(q, " \t\r\n,");
}

/* The length of the GraphQL Name at q ([_A-Za-z][_0-9A-Za-z]*), 0 when there is none. */
static size_t gql_name_len(const char *q) {
    size_t n = 0;
    if (!isalpha((unsigned char)q[0]) && q[0] != '_') return 0;
    while (isalnum((unsigned char)q[n]) || q[n] == '_')
        n++;
    return n;
}

/* Whether q is a GraphQL document, and its operation's name: "query GetUser($id: ID!) {" ->
 * "GetUser"; an anonymous one ("{ viewer {", "query ($n: Int) { feed(") is named by its first
 * field. *name is NULL for a document that starts with a fragment. "red shoes" is no document. */
static int gql_document(arena *a, const char *q, const char **name) {
    static const char *const kinds[] = {"query", "mutation", "subscription", "fragment"};
    *name = NULL;
    q = skip_space(q);
    size_t n = gql_name_len(q);
    if (n) {
        size_t k = 0;
        while (k < 4 && !(strlen(kinds[k]) == n && strncmp(q, kinds[k], n) == 0))
            k++;
        if (k == 4) return 0;
        if (k == 3) return 1; /* fragments first: the operation is named by operationName */
        q = skip_space(q + n);
        if ((n = gql_name_len(q)) != 0) {
            *name = arena_strndup(a, q, n);
            q = skip_space(q + n);
        }
        if (*q == '(') q = skip_space(q + strcspn(q, ")") + (q[strcspn(q, ")")] ? 1 : 0));
    }
    if (*q != '{') return 0;
    q = skip_space(q + 1);
    if (!*name && (n = gql_name_len(q)) != 0) *name = arena_strndup(a, q, n);
    return 1;
}

/* The sha256Hash of a persisted query ({"extensions": {"persistedQuery": {"sha256Hash": H}}}):
 * 64 hex digits, or NULL. */
static const char *persisted_hash(arena *a, jv *j) {
    const char *h =
        jv_str(jv_get(jv_get(jv_get(j, "extensions"), "persistedQuery"), "sha256Hash"), a, NULL);
    return h && strlen(h) == 64 && strspn(h, "0123456789abcdefABCDEF") == 64 ? h : NULL;
}

/* A GraphQL request ({"query": "...", "operationName"?, "variables"?}, or a persisted query with
 * operationName and a hash instead of the query): one operation per name, its variables as the
 * call's values. 1 when it was one. */
static int graphql_values(ingest *in, raw_call *c, pvec *vals, jv *j) {
    const char *query = jv_str(jv_get(j, "query"), in->a, NULL);
    const char *hash = query ? NULL : persisted_hash(in->a, j);
    if (!query && !hash) return 0;
    const char *name = jv_str(jv_get(j, "operationName"), in->a, NULL);
    /* A GraphQL name is [_A-Za-z][_0-9A-Za-z]*: anything else goes nowhere near the code. */
    c->gql_named = name && *name && gql_name_len(name) == strlen(name) && strlen(name) < 128;
    const char *doc_name = NULL;
    if (query && !gql_document(in->a, query, &doc_name)) return 0;
    if (!c->gql_named) name = doc_name;
    if (!name) return 0;
    c->gql_op = name;
    c->gql_query = query;
    c->gql_hash = hash;
    jv *vars = jv_get(j, "variables");
    if (!vars || vars->type != JV_OBJECT) {
        rae_err jerr;
        vars = jv_parse(in->a, "{}", 2, NULL, &jerr);
    }
    c->body_json = vars;
    object_values(in, c, vals, vars);
    return 1;
}

/* The request's Content-Length, or -1 when it has none that is a number. */
static long long content_length(const har_entry *e) {
    const char *v = har_entry_req_header(e, "content-length");
    if (!v) return -1;
    v += strspn(v, " \t");
    size_t n = strspn(v, "0123456789");
    if (n == 0 || n > 15 || v[n + strspn(v + n, " \t")] != '\0') return -1;
    return strtoll(v, NULL, 10);
}

/* Methods whose requests have no body by definition or by custom: a Content-Type on them says
 * nothing. */
static int bodiless_method(const char *method) {
    static const char *const names[] = {"GET", "HEAD", "OPTIONS", "TRACE", "CONNECT", "DELETE"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(method, names[i]) == 0) return 1;
    return 0;
}

/* Why the HAR lacks the body the request had, or NULL: it had one (a Content-Length above 0, or
 * without one a Content-Type on a method that sends a body) and the HAR holds no postData with
 * text or params (Playwright keeps none for a FormData holding a Blob). The HAR's request.bodySize
 * is not read (har_entry has no field for it); the headers say the same in the HARs seen. */
static const char *missing_body(ingest *in, const har_entry *e, const char *mime) {
    if (e->has_req_body && (e->req_body.text_len > 0 || e->req_body.n_params > 0)) return NULL;
    long long length = content_length(e);
    if (length == 0 || (length < 0 && (!*mime || bodiless_method(e->method)))) return NULL;
    const char *how = e->has_req_body ? "with an empty postData" : "without postData";
    const char *by = *in->recorder ? arena_printf(in->a, " by %s", in->recorder) : "";
    const char *note = e->has_req_body ? e->req_body.comment : NULL;
    char *why = arena_printf(in->a, "the HAR has no body for this request (recorded %s%s%s%.200s)",
                             how, by, note ? ": " : "", note ? note : "");
    text_utf8_scrub(why); /* a name or note cut inside a character */
    return why;
}

static eng_body_kind body_kind_of(const char *mime) {
    if (strstr(mime, "multipart/")) return ENG_BODY_MULTIPART;
    if (is_json_mime(mime)) return ENG_BODY_JSON;
    if (strstr(mime, "x-www-form-urlencoded")) return ENG_BODY_FORM;
    return ENG_BODY_TEXT;
}

static void body_values(ingest *in, raw_call *c, pvec *vals, const har_entry *e, arena *scratch) {
    const char *ctype = har_entry_req_header(e, "content-type");
    if ((!ctype || !*ctype) && e->has_req_body) ctype = e->req_body.mime_type;
    const char *mime = mime_base(in->a, ctype ? ctype : "");
    if ((c->body_missing = missing_body(in, e, mime)) != NULL) {
        c->body_mime = mime;
        c->body_kind = body_kind_of(mime);
        return;
    }
    if (!e->has_req_body) return;
    c->body_mime = mime;
    size_t len;
    const char *text = har_body_bytes(&e->req_body, scratch, &len);
    if (!text) text = "";
    if (is_json_mime(c->body_mime) || ((text[0] == '{' || text[0] == '[') && !*c->body_mime)) {
        rae_err jerr;
        char *copy = arena_strndup(in->a, text, len);
        jv *j = jv_parse(in->a, copy, len, NULL, &jerr);
        if (j) {
            c->body_kind = ENG_BODY_JSON;
            if (j->type == JV_OBJECT && graphql_values(in, c, vals, j)) return;
            c->body_json = j;
            if (j->type == JV_OBJECT) object_values(in, c, vals, j);
            return;
        }
    }
    if (strstr(c->body_mime, "x-www-form-urlencoded")) {
        c->body_kind = ENG_BODY_FORM;
        har_pairs p = url_split_query(in->a, text, len);
        for (size_t i = 0; i < p.n; i++)
            add_value(in, c, vals, RAW_BODY, p.items[i].name, p.items[i].value);
        return;
    }
    if (strstr(c->body_mime, "multipart/")) {
        c->body_kind = ENG_BODY_MULTIPART;
        /* The raw body holds every part whole (file bytes too); params often lack the files'
         * contents, so they are the fallback for a HAR without the text. */
        if (len == 0 && e->req_body.n_params) {
            for (size_t i = 0; i < e->req_body.n_params; i++) {
                const har_param *hp = &e->req_body.params[i];
                raw_value *rv = add_value(in, c, vals, RAW_BODY, arena_strdup(in->a, hp->name),
                                          arena_strdup(in->a, hp->value ? hp->value : ""));
                if (hp->file_name) {
                    rv->is_file = 1;
                    rv->file_name = arena_strdup(in->a, hp->file_name);
                    rv->content_type =
                        hp->content_type ? arena_strdup(in->a, hp->content_type) : NULL;
                    file_value(in, rv, rv->value, strlen(rv->value));
                }
            }
        } else {
            multipart_values(in, c, vals, ctype, text, len);
        }
        return;
    }
    if (len) {
        c->body_kind = ENG_BODY_TEXT;
        c->body_text = arena_strndup(in->a, text, len);
    }
}

/* A header whose name says signature and whose value has the form of a SHA-256 MAC (64 hex
 * digits, or 43-44 base64 characters): what it may cover is kept as sent. */
static void signed_request(ingest *in, raw_call *c, const har_entry *e, const url_parts *u,
                           arena *scratch) {
    for (size_t i = 0; i < e->req_headers.n && !c->sig_name; i++) {
        const har_pair *h = &e->req_headers.items[i];
        size_t n = strlen(h->value);
        int hex = n == 64 && strspn(h->value, "0123456789abcdefABCDEF") == n;
        int b64 = (n == 43 || n == 44) &&
                  strspn(h->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+/-_=") == n;
        if ((hex || b64) && (strcasestr(h->name, "signature") || strcasestr(h->name, "hmac"))) {
            c->sig_name = arena_strdup(in->a, h->name);
            c->sig_value = arena_strdup(in->a, h->value);
        }
    }
    if (!c->sig_name) return;
    c->raw_path = arena_strdup(in->a, u->path);
    c->raw_query = arena_strdup(in->a, u->query);
    size_t len = 0;
    const char *body = e->has_req_body ? har_body_bytes(&e->req_body, scratch, &len) : NULL;
    c->raw_body = body ? arena_strndup(in->a, body, len) : "";
    c->raw_body_len = body ? len : 0;
}

/* An Accept that asks for a vendor type or a version ("application/vnd.example.v2+json",
 * "application/json; version=2"): an API that demands it, not a browser's default nor a page's
 * navigation. */
static int vendor_accept(const char *v) {
    if (strcasestr(v, "text/html")) return 0; /* a navigation's ("signed-exchange;v=b3") */
    return strstr(v, "/vnd.") || strcasestr(v, "version=") || strstr(v, ";v=") || strstr(v, "; v=");
}

static void request_values(ingest *in, raw_call *c, const har_entry *e, const url_parts *u,
                           arena *scratch) {
    pvec vals = PVEC_INIT;
    for (size_t i = 0; i < c->n_segs; i++) {
        raw_value *rv = add_value(in, c, &vals, RAW_SEG, "", c->segs[i]);
        rv->seg = i;
    }
    har_pairs q = url_split_query(in->a, u->query, strlen(u->query));
    for (size_t i = 0; i < q.n; i++)
        add_value(in, c, &vals, RAW_QUERY, q.items[i].name, q.items[i].value);
    for (size_t i = 0; i < e->req_headers.n; i++) {
        const har_pair *h = &e->req_headers.items[i];
        if (strcasecmp(h->name, "cookie") == 0) {
            cookie_values(in, c, &vals, h->value);
        } else if (strcasecmp(h->name, "authorization") == 0) {
            const char *v = h->value;
            if (strncasecmp(v, "bearer ", 7) == 0)
                add_value(in, c, &vals, RAW_BEARER, "Authorization", arena_strdup(in->a, v + 7));
            else
                add_value(in, c, &vals, RAW_HEADER, "Authorization", arena_strdup(in->a, v));
        } else if (!eng_is_browser_header(h->name) ||
                   (strcasecmp(h->name, "accept") == 0 && vendor_accept(h->value))) {
            add_value(in, c, &vals, RAW_HEADER, arena_strdup(in->a, h->name),
                      arena_strdup(in->a, h->value));
        }
    }
    body_values(in, c, &vals, e, scratch);
    signed_request(in, c, e, u, scratch);
    c->n_values = vals.n;
    c->values = arena_alloc(in->a, (vals.n ? vals.n : 1) * sizeof *c->values);
    for (size_t i = 0; i < vals.n; i++)
        c->values[i] = *(raw_value *)vals.items[i];
    pvec_free(&vals);
    for (size_t i = 0; i < c->n_values; i++)
        if (c->values[i].src.kind != ENG_SRC_NONE) {
            raw_call *from = in->calls.items[c->values[i].src.call];
            from->used_as_source = 1;
        }
}

static void response_values(ingest *in, raw_call *c, long k, const har_entry *e, arena *scratch) {
    c->status = e->status;
    /* 204 and 304 have no body, whatever type a recorder wrote for them. */
    c->resp_mime =
        e->status == 204 || e->status == 304 ? "" : mime_base(in->a, e->resp_body.mime_type);
    index_response_headers(in, k, e);
    size_t len;
    const char *bytes = har_body_bytes(&e->resp_body, scratch, &len);
    if (!bytes || !len) return;
    if (is_json_mime(c->resp_mime) ||
        ((bytes[0] == '{' || bytes[0] == '[') && !strstr(c->resp_mime, "html"))) {
        rae_err jerr;
        jv *j = jv_parse(scratch, bytes, len, NULL, &jerr);
        if (!j) return;
        jv *errors = c->gql_op ? jv_get(j, "errors") : NULL;
        c->gql_errors = errors && errors->type == JV_ARRAY && errors->len > 0;
        c->resp_schema = eng_schema_new(in->a);
        eng_schema_add(in->a, c->resp_schema, j);
        if (j->type == JV_OBJECT) {
            buf keys = BUF_INIT;
            for (size_t i = 0; i < j->len; i++) {
                buf_append(&keys, j->members[i].key, j->members[i].klen);
                buf_putc(&keys, ',');
            }
            c->resp_keys = arena_strdup(in->a, buf_str(&keys));
            buf_free(&keys);
        }
        buf path = BUF_INIT;
        buf_puts(&path, "");
        index_json(in, k, j, &path, "");
        buf_free(&path);
    } else if (strstr(c->resp_mime, "html")) {
        index_html(in, k, bytes, len);
    }
}

/* Methods are HTTP tokens and hosts are names or addresses: anything else cannot be called. */
static int callable(const har_entry *e, const url_parts *u) {
    size_t m = strlen(e->method), h = strlen(u->host), p = strlen(u->port);
    return m > 0 && m < 32 &&
           strspn(e->method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               m &&
           h > 0 && strspn(u->host, "abcdefghijklmnopqrstuvwxyz0123456789.-_:[]") == h &&
           strspn(u->port, "0123456789") == p;
}

static int wanted(ingest *in, const har_entry *e, const url_parts *u) {
    if (!callable(e, u)) return 0;
    if (in->o->host && strcasecmp(u->host, in->o->host) != 0) return 0;
    if (in->include_re && regexec(in->include_re, e->url, 0, NULL, 0) != 0) return 0;
    if (in->exclude_re && regexec(in->exclude_re, e->url, 0, NULL, 0) == 0) return 0;
    return 1;
}

/* Reading progress in bytes of the file: done and total are byte counts. */
static void progress(ingest *in, const char *stage, long entries, size_t done, size_t total) {
    if (!in->o->on_event) return;
    rae_event ev = {0};
    ev.type = RAE_EV_PROGRESS;
    ev.stage = stage;
    ev.done = (long)done;
    ev.total = (long)total;
    char msg[96];
    int mb = total >= 10000000; /* whole MB from 10 MB on, else KB with one decimal */
    snprintf(msg, sizeof msg,
             mb ? "%s: %ld entries, %.0f of %.0f MB" : "%s: %ld entries, %.1f of %.1f KB", stage,
             entries, done / (mb ? 1e6 : 1e3), total / (mb ? 1e6 : 1e3));
    ev.message = msg;
    in->o->on_event(in->o->event_user, &ev);
}

static int compile_re(const char *pattern, void **out, const char *what, rae_err *err) {
    if (!pattern) return 0;
    regex_t *re = malloc(sizeof *re);
    if (!re) abort();
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        snprintf(err->message, sizeof err->message, "%s: invalid regular expression '%.300s': %s",
                 what, pattern, why);
        free(re);
        return -1;
    }
    *out = re;
    return 0;
}

int eng_ingest(ingest *in, har_reader *r, eng_model *m, rae_err *err) {
    if (compile_re(in->o->include, &in->include_re, "--include", err) < 0 ||
        compile_re(in->o->exclude, &in->exclude_re, "--exclude", err) < 0)
        return -1;
    arena *scratch = arena_new();
    har_site site;
    memset(&site, 0, sizeof site);
    har_entry *e;
    rae_err e_err;
    /* Progress every twentieth of a file worth reporting on. */
    size_t size = har_reader_size(r), step = size > (8u << 20) ? size / 20 : 0, mark = step;
    int rc;
    const har_info *info = har_reader_info(r);
    in->recorder = arena_printf(in->a, "%.100s%s%.40s", info->creator_name,
                                *info->creator_name && *info->creator_version ? " " : "",
                                *info->creator_name ? info->creator_version : "");
    har_reader_rewind(r);
    while ((rc = har_reader_next(r, scratch, &e, &e_err)) != 0) {
        if (rc < 0) {
            if (!m->malformed++) *err = e_err;
            m->bad_entries += e_err.at.entry >= 0;
            continue;
        }
        m->entries++;
        if (in->o->on_entry) in->o->on_entry(in->o->entry_user, e, scratch);
        if (step && har_reader_offset(r) >= mark) {
            progress(in, "reading", m->entries, har_reader_offset(r), size);
            mark += step;
        }
        har_site_observe(&site, e, scratch);
        har_class cls = har_classify(e, &site, scratch);
        m->by_class[cls]++;
        url_parts u;
        int keep = (cls == HAR_CLASS_API || cls == HAR_CLASS_DOCUMENT) &&
                   url_parse(in->a, e->url, &u) == 0 && wanted(in, e, &u) &&
                   (long)in->calls.n < in->o->max_calls;
        if (!keep) {
            if (cls != HAR_CLASS_API) m->noise_entries++;
            arena_reset(scratch);
            continue;
        }
        if (cls == HAR_CLASS_API) m->api_entries++;
        raw_call *c = arena_alloc(in->a, sizeof *c);
        c->entry = e->index;
        c->cls = cls;
        c->method = arena_strdup(in->a, e->method);
        for (char *p = (char *)c->method; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        c->origin = u.origin;
        split_segments(in->a, u.path, c);
        long k = (long)in->calls.n;
        pvec_push(&in->calls, c);
        eng_source *config = smap_gets(in->configs, c->origin);
        raw_call *page = config ? in->calls.items[config->call] : NULL;
        if (page && strcmp(page->origin, c->origin) != 0) page->used_as_source = 1;
        request_values(in, c, e, &u, scratch);
        remember_sent(in, c);
        response_values(in, c, k, e, scratch);
        arena_reset(scratch);
    }
    progress(in, "reading", m->entries, size, size);
    arena_free(scratch);
    return 0;
}

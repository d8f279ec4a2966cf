/* HAR 1.2 conformance: required members, their types, and value ranges, per the spec
 * (http://www.softwareishard.com/blog/har-12-spec/) and the npm `har-schema` rules. */
#include "rae/har_validate.h"

#include "har/internal.h"
#include "har/scan.h"
#include "har/strict.h"
#include "util/buf.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

typedef enum { T_STRING, T_NUMBER, T_OBJECT, T_ARRAY } json_kind;

typedef struct vctx {
    har_problem_fn report;
    void *user;
    long entry;
    size_t line, column; /* where the current entry starts */
    long count;          /* errors */
    arena *a;
    har_reader *r;
    rae_err *err;
    har_scan_cursor cur; /* line and column of offsets, counted on as the file is read */
    har_strict *strict;
} vctx;

static int jv_is_obj(const jv *j) {
    return jv_is(j, JV_OBJECT);
}

static const char *vstr(vctx *v, jv *j) {
    return jv_str(j, v->a, NULL);
}

static void emit(vctx *v, har_severity sev, size_t line, size_t column, const char *path,
                 const char *message) {
    har_problem p = {v->entry, line, column, path, message, sev};
    if (sev == HAR_SEVERITY_ERROR) v->count++;
    v->report(v->user, &p);
}

static void problem(vctx *v, const char *path, const char *fmt, const char *arg) {
    char msg[600];
    snprintf(msg, sizeof msg, fmt, arg);
    emit(v, HAR_SEVERITY_ERROR, v->line, v->column, path, msg);
}

/* A JSON text problem found by har_strict, at its own place. */
static void strict_problem(void *user, har_severity sev, size_t line, size_t column,
                           const char *path, const char *message) {
    emit(user, sev, line, column, path, message);
}

static int kind_ok(jv *j, json_kind k) {
    static const jv_type types[] = {JV_STRING, JV_NUMBER, JV_OBJECT, JV_ARRAY};
    return jv_is(j, types[k]);
}

static size_t count(const jv *arr) {
    return jv_is(arr, JV_ARRAY) ? arr->len : 0;
}

static const char *kind_name(json_kind k) {
    static const char *names[] = {"a string", "a number", "an object", "an array"};
    return names[k];
}

/* Checks obj.key: returns the member when it has the right type, NULL (and reports) otherwise. */
static jv *need(vctx *v, jv *obj, const char *base, const char *key, json_kind k, int required) {
    char path[200];
    snprintf(path, sizeof path, "%s%s%s", base, *base ? "." : "", key);
    jv *m = jv_get(obj, key);
    if (!m) {
        if (required) problem(v, path, "required member is missing%s", "");
        return NULL;
    }
    if (!kind_ok(m, k)) {
        problem(v, path, "is not %s", kind_name(k));
        return NULL;
    }
    return m;
}

static void name_values(vctx *v, jv *obj, const char *base, const char *key) {
    char path[200];
    jv *arr = need(v, obj, base, key, T_ARRAY, 1);
    for (size_t i = 0; i < count(arr); i++) {
        snprintf(path, sizeof path, "%s.%s[%zu]", base, key, i);
        jv *it = arr->items[i];
        if (!jv_is_obj(it)) {
            problem(v, path, "is not an object%s", "");
            continue;
        }
        need(v, it, path, "name", T_STRING, 1);
        need(v, it, path, "value", T_STRING, 1);
    }
}

static void min_number(vctx *v, jv *obj, const char *base, const char *key, int required,
                       double min) {
    jv *m = need(v, obj, base, key, T_NUMBER, required);
    if (m && jv_num(m) < min) {
        char path[200];
        snprintf(path, sizeof path, "%s.%s", base, key);
        problem(v, path, "must be >= %s", min < 0 ? "-1" : "0");
    }
}

static int iso8601(const char *s) {
    /* YYYY-MM-DDThh:mm:ss, then fraction and zone as the spec allows. */
    int y, mo, d, h, mi;
    double sec;
    char t;
    return sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%lf", &y, &mo, &d, &t, &h, &mi, &sec) == 7 &&
           (t == 'T' || t == 't') && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

static void request(vctx *v, jv *req) {
    need(v, req, "request", "method", T_STRING, 1);
    need(v, req, "request", "url", T_STRING, 1);
    need(v, req, "request", "httpVersion", T_STRING, 1);
    name_values(v, req, "request", "cookies");
    name_values(v, req, "request", "headers");
    name_values(v, req, "request", "queryString");
    min_number(v, req, "request", "headersSize", 1, -1);
    min_number(v, req, "request", "bodySize", 1, -1);
    jv *pd = need(v, req, "request", "postData", T_OBJECT, 0);
    if (pd) {
        need(v, pd, "request.postData", "mimeType", T_STRING, 1);
        jv *params = need(v, pd, "request.postData", "params", T_ARRAY, 0);
        for (size_t i = 0; i < count(params); i++) {
            char path[80];
            snprintf(path, sizeof path, "request.postData.params[%zu]", i);
            jv *p = params->items[i];
            if (!jv_is_obj(p)) {
                problem(v, path, "is not an object%s", "");
                continue;
            }
            need(v, p, path, "name", T_STRING, 1);
            need(v, p, path, "value", T_STRING, 0);
            need(v, p, path, "fileName", T_STRING, 0);
            need(v, p, path, "contentType", T_STRING, 0);
        }
        jv *text = need(v, pd, "request.postData", "text", T_STRING, 0);
        if (!params && !text) problem(v, "request.postData", "has neither text nor params%s", "");
    }
}

static void response(vctx *v, jv *resp) {
    jv *status = need(v, resp, "response", "status", T_NUMBER, 1);
    if (status && (jv_num(status) < 0 || jv_num(status) > 999))
        problem(v, "response.status", "is not a status code%s", "");
    need(v, resp, "response", "statusText", T_STRING, 1);
    need(v, resp, "response", "httpVersion", T_STRING, 1);
    name_values(v, resp, "response", "cookies");
    name_values(v, resp, "response", "headers");
    jv *content = need(v, resp, "response", "content", T_OBJECT, 1);
    if (content) {
        need(v, content, "response.content", "size", T_NUMBER, 1);
        need(v, content, "response.content", "mimeType", T_STRING, 1);
        need(v, content, "response.content", "text", T_STRING, 0);
        need(v, content, "response.content", "encoding", T_STRING, 0);
    }
    need(v, resp, "response", "redirectURL", T_STRING, 1);
    min_number(v, resp, "response", "headersSize", 1, -1);
    min_number(v, resp, "response", "bodySize", 1, -1);
}

static void entry(vctx *v, jv *e) {
    jv *started = need(v, e, "", "startedDateTime", T_STRING, 1);
    if (started && !iso8601(vstr(v, started)))
        problem(v, "startedDateTime", "is not an ISO 8601 date: \"%.60s\"", vstr(v, started));
    min_number(v, e, "", "time", 1, 0);
    jv *req = need(v, e, "", "request", T_OBJECT, 1);
    if (req) request(v, req);
    jv *resp = need(v, e, "", "response", T_OBJECT, 1);
    if (resp) response(v, resp);
    need(v, e, "", "cache", T_OBJECT, 1);
    jv *timings = need(v, e, "", "timings", T_OBJECT, 1);
    if (timings) {
        static const char *opt[] = {"blocked", "dns", "connect", "ssl"};
        for (size_t i = 0; i < 4; i++)
            min_number(v, timings, "timings", opt[i], 0, -1);
        min_number(v, timings, "timings", "send", 1, 0);
        min_number(v, timings, "timings", "wait", 1, 0);
        min_number(v, timings, "timings", "receive", 1, 0);
    }
}

static void header(vctx *v, jv *log) {
    jv *ver = need(v, log, "log", "version", T_STRING, 1);
    if (ver && strcmp(vstr(v, ver), "1.2") != 0 && strcmp(vstr(v, ver), "1.1") != 0)
        problem(v, "log.version", "is \"%.20s\", expected \"1.2\"", vstr(v, ver));
    jv *creator = need(v, log, "log", "creator", T_OBJECT, 1);
    if (creator) {
        need(v, creator, "log.creator", "name", T_STRING, 1);
        need(v, creator, "log.creator", "version", T_STRING, 1);
    }
    jv *browser = need(v, log, "log", "browser", T_OBJECT, 0);
    if (browser) {
        need(v, browser, "log.browser", "name", T_STRING, 1);
        need(v, browser, "log.browser", "version", T_STRING, 1);
    }
    jv *pages = need(v, log, "log", "pages", T_ARRAY, 0);
    for (size_t i = 0; i < count(pages); i++) {
        char path[64];
        jv *p = pages->items[i];
        snprintf(path, sizeof path, "log.pages[%zu]", i);
        if (!jv_is_obj(p)) {
            problem(v, path, "is not an object%s", "");
            continue;
        }
        need(v, p, path, "startedDateTime", T_STRING, 1);
        need(v, p, path, "id", T_STRING, 1);
        need(v, p, path, "title", T_STRING, 1);
        need(v, p, path, "pageTimings", T_OBJECT, 1);
    }
}

/* Reads the entries through: each one's JSON text (har_strict), then its HAR rules. Called by
 * har_strict_outline when its walk of the file reaches log.entries. */
static void entries(void *user) {
    vctx *v = user;
    jv *j;
    size_t off;
    int rc;
    har_reader_rewind(v->r);
    for (long index = 0; (rc = har_reader_next_json(v->r, v->a, &j, &off, v->err)) != 0; index++) {
        v->entry = index;
        if (rc < 0) { /* a JSON error inside one entry or after them: report it, go on */
            v->entry = v->err->at.entry;
            v->line = v->err->at.line;
            v->column = v->err->at.column;
            problem(v, HAR_PROBLEM_SYNTAX, "%s", v->err->message + v->err->at.reason);
            arena_reset(v->a);
            continue;
        }
        har_scan_cursor_at(&v->cur, off, &v->line, &v->column);
        har_strict_value(v->strict, j, v->a); /* first: the HAR rules decode some strings */
        entry(v, j);
        arena_reset(v->a);
    }
    v->entry = -1;
}

long har_validate(har_reader *r, har_problem_fn report, void *user, rae_err *err) {
    vctx v = {report, user, -1, 0, 0, 0, arena_new(), r, err, {0}, NULL};
    size_t len;
    const char *data = har_reader_data(r, &len);
    jv *log = har_reader_log_header(r, v.a);
    if (log) header(&v, log);
    arena_reset(v.a);
    har_scan_cursor_init(&v.cur, data, len);
    v.strict = har_strict_new(data, len, &v.cur, strict_problem, &v);
    har_strict_outline(v.strict, r, entries, &v);
    har_strict_free(v.strict);
    arena_free(v.a);
    return v.count;
}

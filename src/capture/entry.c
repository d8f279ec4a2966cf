/* A finished exchange as a HAR 1.2 entry, with the fields Chrome DevTools' export adds
 * (_resourceType, _initiator, _priority, _transferSize, _fromCache, _webSocketMessages) and
 * rae's own notes (_incomplete, _postDataError, content._error) where something is missing. */
#include "capture/internal.h"
#include "util/text.h"
#include "util/url.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void rec_iso_time(double wall, char *out, size_t n) {
    if (!(wall > 0)) wall = 0;
    time_t secs = (time_t)floor(wall);
    int ms = (int)((wall - (double)secs) * 1000);
    if (ms > 999) ms = 999;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%03dZ", date, ms);
}

static double round3(double v) {
    return round(v * 1000) / 1000;
}

/* ---- headers and cookies ---- */

/* A DevTools headers object ({"Name": "v1\nv2"}) as HAR name/value pairs, one per line. */
static json_t *header_list(json_t *obj) {
    json_t *list = json_array();
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value) {
        const char *v = json_string_value(value);
        if (!v) continue;
        for (;;) {
            size_t n = strcspn(v, "\n");
            json_array_append_new(list, json_pack("{s:s,s:s%}", "name", name, "value", v, n));
            if (!v[n]) break;
            v += n + 1;
        }
    }
    return list;
}

static const char *header_value(json_t *obj, const char *want) {
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value) {
        if (strcasecmp(name, want) == 0) return json_string_value(value);
    }
    return NULL;
}

static const char *skip_space(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* "a=1; b=2" into [{"name":"a","value":"1"}, ...]. */
static json_t *request_cookies(const char *header) {
    json_t *list = json_array();
    for (const char *s = header; s && *s;) {
        s = skip_space(s);
        size_t n = strcspn(s, ";"), eq = strcspn(s, "=");
        if (n > 0 && eq < n)
            json_array_append_new(
                list, json_pack("{s:s%,s:s%}", "name", s, eq, "value", s + eq + 1, n - eq - 1));
        s += n + (s[n] == ';');
    }
    return list;
}

/* "Wed, 21 Oct 2026 07:28:00 GMT" as ISO 8601, or NULL. */
static json_t *cookie_expiry(const char *s, size_t n) {
    char text[64], out[40];
    struct tm tm = {0};
    snprintf(text, sizeof text, "%.*s", (int)(n < 63 ? n : 63), s);
    const char *end = strptime(text, "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end) end = strptime(text, "%a, %d-%b-%Y %H:%M:%S", &tm);
    if (!end) return NULL;
    rec_iso_time((double)timegm(&tm), out, sizeof out);
    return json_string(out);
}

static void cookie_attribute(json_t *c, const char *s, size_t n) {
    size_t eq = strcspn(s, "=");
    if (eq > n) eq = n;
    const char *v = eq < n ? s + eq + 1 : "";
    size_t vn = eq < n ? n - eq - 1 : 0;
    if (eq == 4 && strncasecmp(s, "path", 4) == 0)
        json_object_set_new(c, "path", json_stringn(v, vn));
    else if (eq == 6 && strncasecmp(s, "domain", 6) == 0)
        json_object_set_new(c, "domain", json_stringn(v, vn));
    else if (eq == 7 && strncasecmp(s, "expires", 7) == 0) {
        json_t *when = cookie_expiry(v, vn);
        if (when) json_object_set_new(c, "expires", when);
    } else if (eq == 8 && strncasecmp(s, "httponly", 8) == 0)
        json_object_set_new(c, "httpOnly", json_true());
    else if (eq == 6 && strncasecmp(s, "secure", 6) == 0)
        json_object_set_new(c, "secure", json_true());
    else if (eq == 8 && strncasecmp(s, "samesite", 8) == 0)
        json_object_set_new(c, "sameSite", json_stringn(v, vn));
}

static json_t *set_cookie(const char *line) {
    size_t n = strcspn(line, ";"), eq = strcspn(line, "=");
    if (eq >= n) return NULL;
    json_t *c = json_pack("{s:s%,s:s%}", "name", line, eq, "value", line + eq + 1, n - eq - 1);
    for (const char *s = line + n; *s == ';';) {
        s = skip_space(s + 1);
        size_t an = strcspn(s, ";");
        cookie_attribute(c, s, an);
        s += an;
    }
    return c;
}

static json_t *response_cookies(json_t *headers) {
    json_t *list = json_array(), *h;
    size_t i;
    json_array_foreach(headers, i, h) {
        const char *name = json_string_value(json_object_get(h, "name"));
        if (!name || strcasecmp(name, "set-cookie") != 0) continue;
        json_t *c = set_cookie(json_string_value(json_object_get(h, "value")));
        if (c) json_array_append_new(list, c);
    }
    return list;
}

/* ---- request ---- */

static json_t *query_list(arena *a, const char *url) {
    json_t *list = json_array();
    url_parts u;
    if (url_parse(a, url, &u) < 0 || !*u.query) return list;
    har_pairs pairs = url_split_query(a, u.query, strlen(u.query));
    for (size_t i = 0; i < pairs.n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s}", "name", pairs.items[i].name, "value",
                                              pairs.items[i].value));
    return list;
}

/* The parameter of one multipart part: its name, and its value or file name and type. */
static json_t *multipart_param(const char *part, size_t n) {
    const char *end = memmem(part, n, "\r\n\r\n", 4);
    if (!end) return NULL;
    char head[2048];
    snprintf(head, sizeof head, "%.*s", (int)((size_t)(end - part) < 2047 ? end - part : 2047),
             part);
    const char *name = strcasestr(head, "name=\""), *file = strcasestr(head, "filename=\"");
    if (name && file && name == file + 4) name = strcasestr(file + 10, " name=\"");
    if (!name) return NULL;
    name += name[0] == ' ' ? 7 : 6;
    json_t *p = json_pack("{s:s%}", "name", name, strcspn(name, "\""));
    const char *body = end + 4;
    size_t body_len = n - (size_t)(body - part);
    if (body_len >= 2 && body[body_len - 2] == '\r') body_len -= 2;
    if (file) {
        file += 10;
        json_object_set_new(p, "fileName", json_stringn(file, strcspn(file, "\"")));
        const char *type = strcasestr(head, "content-type:");
        if (type) {
            type = skip_space(type + 13);
            json_object_set_new(p, "contentType", json_stringn(type, strcspn(type, "\r\n")));
        }
    } else if (text_utf8_valid(body, body_len)) {
        json_object_set_new(p, "value", json_stringn(body, body_len));
    }
    return p;
}

static json_t *multipart_params(const char *type, const char *body, size_t n) {
    json_t *list = json_array();
    const char *b = strcasestr(type, "boundary=");
    if (!b) return list;
    b += 9;
    char delim[256];
    size_t blen = strcspn(b, ";");
    if (*b == '"') b++, blen = strcspn(b, "\"");
    snprintf(delim, sizeof delim, "--%.*s", (int)(blen < 200 ? blen : 200), b);
    size_t dn = strlen(delim);
    const char *at = memmem(body, n, delim, dn);
    while (at) {
        const char *part = at + dn;
        if ((size_t)(part - body) + 2 > n || strncmp(part, "--", 2) == 0) break;
        part += 2; /* CRLF */
        size_t left = n - (size_t)(part - body);
        const char *next = memmem(part, left, delim, dn);
        json_t *p = multipart_param(part, next ? (size_t)(next - part) : left);
        if (p) json_array_append_new(list, p);
        at = next;
    }
    return list;
}

static json_t *post_data(rec_entry *e, json_t *headers_obj) {
    const char *type = header_value(headers_obj, "content-type");
    json_t *pd = json_pack("{s:s}", "mimeType", type ? type : "");
    arena *a = e->req->a;
    if (text_utf8_valid(e->post, e->post_len)) {
        json_object_set_new(pd, "text", json_stringn(e->post, e->post_len));
    } else {
        json_object_set_new(pd, "text", json_string(text_base64(a, e->post, e->post_len)));
        json_object_set_new(pd, "encoding", json_string("base64"));
    }
    json_t *params = NULL;
    if (type && strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0) {
        params = json_array();
        har_pairs pairs = url_split_query(a, e->post, e->post_len);
        for (size_t i = 0; i < pairs.n; i++)
            json_array_append_new(params, json_pack("{s:s,s:s}", "name", pairs.items[i].name,
                                                    "value", pairs.items[i].value));
    } else if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
        params = multipart_params(type, e->post, e->post_len);
    }
    if (params) json_object_set_new(pd, "params", params);
    return pd;
}

static const char *http_version(json_t *response) {
    const char *p = json_string_value(json_object_get(response, "protocol"));
    if (!p) return "";
    if (strcasecmp(p, "h2") == 0) return "HTTP/2.0";
    if (strcasecmp(p, "h3") == 0 || strncasecmp(p, "h3-", 3) == 0) return "HTTP/3.0";
    if (strcasecmp(p, "http/1.1") == 0) return "HTTP/1.1";
    if (strcasecmp(p, "http/1.0") == 0) return "HTTP/1.0";
    return p;
}

static json_t *har_request(rec_entry *e) {
    json_t *headers_obj = json_object_get(e->req_extra, "headers");
    if (!json_is_object(headers_obj) && e->response && e->req->ws)
        headers_obj = json_object_get(e->response, "requestHeaders");
    if (!json_is_object(headers_obj)) headers_obj = json_object_get(e->request, "headers");
    const char *url = json_string_value(json_object_get(e->request, "url"));
    const char *method = json_string_value(json_object_get(e->request, "method"));
    json_t *req = json_pack("{s:s,s:s,s:s}", "method", method ? method : "GET", "url",
                            url ? url : "", "httpVersion", http_version(e->response));
    json_object_set_new(req, "cookies", request_cookies(header_value(headers_obj, "cookie")));
    json_object_set_new(req, "headers", header_list(headers_obj));
    json_object_set_new(req, "queryString", query_list(e->req->a, url ? url : ""));
    if (e->post) json_object_set_new(req, "postData", post_data(e, headers_obj));
    if (e->post_note) json_object_set_new(req, "_postDataError", json_string(e->post_note));
    json_object_set_new(req, "headersSize", json_integer(-1));
    json_object_set_new(req, "bodySize", json_integer(e->post ? (json_int_t)e->post_len : 0));
    return req;
}

/* ---- response ---- */

static json_t *content(rec_entry *e, long long body_size) {
    const char *mime = json_string_value(json_object_get(e->response, "mimeType"));
    long long size = !e->body         ? e->data_len
                     : e->body_base64 ? (long long)text_base64_len(e->body, e->body_len)
                                      : (long long)e->body_len;
    json_t *c = json_pack("{s:I,s:s}", "size", (json_int_t)size, "mimeType",
                          mime && *mime ? mime : "x-unknown");
    if (e->body && !e->body_base64 && text_utf8_valid(e->body, e->body_len)) {
        json_object_set_new(c, "text", json_stringn_nocheck(e->body, e->body_len));
    } else if (e->body) { /* base64 is ASCII: no UTF-8 check needed */
        const char *b64 = e->body_base64 ? e->body : text_base64(e->req->a, e->body, e->body_len);
        json_object_set_new(c, "text",
                            json_stringn_nocheck(b64, e->body_base64 ? e->body_len : strlen(b64)));
        json_object_set_new(c, "encoding", json_string("base64"));
    }
    if (body_size > 0 && size > body_size)
        json_object_set_new(c, "compression", json_integer((json_int_t)(size - body_size)));
    if (e->body_note) json_object_set_new(c, "_error", json_string(e->body_note));
    return c;
}

static json_t *har_response(rec_entry *e) {
    if (!e->response) {
        json_t *r =
            json_pack("{s:i,s:s,s:s,s:[],s:[],s:{s:i,s:s},s:s,s:i,s:i}", "status", 0, "statusText",
                      "", "httpVersion", "", "cookies", "headers", "content", "size", 0, "mimeType",
                      "x-unknown", "redirectURL", "", "headersSize", -1, "bodySize", -1);
        if (e->error_text) json_object_set_new(r, "_error", json_string(e->error_text));
        return r;
    }
    json_t *headers_obj = json_object_get(e->resp_extra, "headers");
    if (!json_is_object(headers_obj)) headers_obj = json_object_get(e->response, "headers");
    const char *text = json_string_value(json_object_get(e->resp_extra, "headersText"));
    if (!text) text = json_string_value(json_object_get(e->response, "headersText"));
    long long headers_size = text ? (long long)strlen(text) : -1;
    long long body_size = -1;
    if (e->from_cache)
        body_size = 0;
    else if (e->encoded >= 0)
        body_size = e->encoded - (headers_size > 0 ? headers_size : 0);
    if (body_size < -1) body_size = -1;
    json_int_t status = json_integer_value(json_object_get(e->response, "status"));
    if (!status) status = json_integer_value(json_object_get(e->resp_extra, "statusCode"));
    const char *status_text = json_string_value(json_object_get(e->response, "statusText"));
    json_t *headers = header_list(headers_obj);
    json_t *r = json_pack("{s:I,s:s,s:s}", "status", status, "statusText",
                          status_text ? status_text : "", "httpVersion", http_version(e->response));
    json_object_set_new(r, "cookies", response_cookies(headers));
    json_object_set_new(r, "headers", headers);
    json_object_set_new(r, "content", content(e, body_size));
    json_object_set_new(r, "redirectURL", json_string(e->redirect_url ? e->redirect_url : ""));
    json_object_set_new(r, "headersSize", json_integer(headers_size));
    json_object_set_new(r, "bodySize", json_integer(body_size));
    json_object_set_new(r, "_transferSize", json_integer(e->encoded));
    if (e->error_text) json_object_set_new(r, "_error", json_string(e->error_text));
    return r;
}

/* ---- timings, as DevTools' HAR export computes them ---- */

static double timing_of(json_t *t, const char *name) {
    json_t *v = json_object_get(t, name);
    return v ? json_number_value(v) : -1;
}

static double least_nonnegative(double a, double b, double c) {
    double best = INFINITY;
    if (a >= 0 && a < best) best = a;
    if (b >= 0 && b < best) best = b;
    if (c >= 0 && c < best) best = c;
    return best == INFINITY ? 0 : best;
}

static json_t *timings(rec_entry *e, double *total) {
    json_t *t = json_object_get(e->response, "timing");
    double end = e->end_ts >= 0 ? e->end_ts : e->resp_ts >= 0 ? e->resp_ts : e->ts;
    double blocked = -1, dns = -1, connect = -1, ssl = -1, send = 0, wait = 0, receive = 0;
    if (!json_is_object(t)) {
        blocked = e->ts > 0 && end > e->ts ? (end - e->ts) * 1000 : 0;
    } else {
        double start = timing_of(t, "requestTime");
        double queued = start >= e->ts ? (start - e->ts) * 1000 : 0;
        double first = least_nonnegative(timing_of(t, "dnsStart"), timing_of(t, "connectStart"),
                                         timing_of(t, "sendStart"));
        blocked = queued + first;
        if (timing_of(t, "dnsEnd") >= 0) dns = timing_of(t, "dnsEnd") - timing_of(t, "dnsStart");
        if (timing_of(t, "connectEnd") >= 0)
            connect = timing_of(t, "connectEnd") - timing_of(t, "connectStart");
        if (timing_of(t, "sslEnd") > 0) ssl = timing_of(t, "sslEnd") - timing_of(t, "sslStart");
        double send_end = timing_of(t, "sendEnd");
        send = fmax(send_end - timing_of(t, "sendStart"), 0);
        double headers_end = timing_of(t, "receiveHeadersEnd");
        if (headers_end < 0 && e->resp_ts >= 0) headers_end = (e->resp_ts - start) * 1000;
        wait = fmax(headers_end - fmax(send_end, 0), 0);
        receive = fmax((end - start) * 1000 - fmax(headers_end, 0), 0);
    }
    json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "blocked", round3(blocked), "dns",
                          round3(dns), "ssl", round3(ssl), "connect", round3(connect), "send",
                          round3(send), "wait", round3(wait), "receive", round3(receive));
    *total = round3(fmax(blocked, 0) + fmax(dns, 0) + fmax(connect, 0) + send + wait + receive);
    return o;
}

/* ---- the entry ---- */

static void lowercase(char *s) {
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static json_t *short_initiator(json_t *init) {
    json_t *o = json_object();
    const char *keys[] = {"type", "url", "lineNumber"};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(init, keys[i]);
        if (v) json_object_set(o, keys[i], v);
    }
    return o;
}

static void add_extras(json_t *entry, rec_entry *e) {
    char *type = arena_strdup(e->req->a, e->type ? e->type : "other");
    lowercase(type);
    json_object_set_new(entry, "_resourceType", json_string(type));
    if (e->initiator) json_object_set_new(entry, "_initiator", short_initiator(e->initiator));
    json_t *prio = json_object_get(e->request, "initialPriority");
    if (prio) json_object_set(entry, "_priority", prio);
    if (e->from_cache) json_object_set_new(entry, "_fromCache", json_string(e->from_cache));
    if (json_is_true(json_object_get(e->response, "fromServiceWorker")))
        json_object_set_new(entry, "_fromServiceWorker", json_true());
    if (e->req->s && e->req->s->type && strcmp(e->req->s->type, "page") != 0)
        json_object_set_new(entry, "_targetType", json_string(e->req->s->type));
    if (e->ws_messages) json_object_set(entry, "_webSocketMessages", e->ws_messages);
    if (e->sse_messages) json_object_set(entry, "_eventSourceMessages", e->sse_messages);
    if (e->incomplete) json_object_set_new(entry, "_incomplete", json_string(e->incomplete));
    if (e->guessed_start)
        json_object_set_new(entry, "_startNote",
                            json_string("its tab ran before rae listened: the start time is when "
                                        "the request was paused for rae, the request as it was "
                                        "then"));
    if (e->canceled) json_object_set_new(entry, "_canceled", json_true());
}

json_t *rec_entry_har(rec_entry *e) {
    char started[40];
    rec_iso_time(e->wall, started, sizeof started);
    double total = 0;
    json_t *t = timings(e, &total);
    json_t *entry = json_object();
    if (e->page) json_object_set_new(entry, "pageref", json_string(e->page));
    json_object_set_new(entry, "startedDateTime", json_string(started));
    json_object_set_new(entry, "time", json_real(total));
    json_object_set_new(entry, "request", har_request(e));
    json_object_set_new(entry, "response", har_response(e));
    json_object_set_new(entry, "cache", json_object());
    json_object_set_new(entry, "timings", t);
    const char *ip = json_string_value(json_object_get(e->response, "remoteIPAddress"));
    if (ip && *ip) {
        size_t n = strlen(ip);
        if (ip[0] == '[' && ip[n - 1] == ']') ip++, n -= 2;
        json_object_set_new(entry, "serverIPAddress", json_stringn(ip, n));
    }
    json_t *conn = json_object_get(e->response, "connectionId");
    if (json_is_number(conn) && json_number_value(conn) > 0) {
        char id[32];
        snprintf(id, sizeof id, "%.0f", json_number_value(conn));
        json_object_set_new(entry, "connection", json_string(id));
    }
    add_extras(entry, e);
    return entry;
}

json_t *rec_page_har(const rec_page *p) {
    char started[40];
    rec_iso_time(p->wall, started, sizeof started);
    json_t *timings = json_object();
    json_object_set_new(timings, "onContentLoad",
                        p->on_content >= 0 ? json_real(round3(p->on_content)) : json_integer(-1));
    json_object_set_new(timings, "onLoad",
                        p->on_load >= 0 ? json_real(round3(p->on_load)) : json_integer(-1));
    return json_pack("{s:s,s:s,s:s,s:o}", "startedDateTime", started, "id", p->id, "title",
                     p->title ? p->title : "", "pageTimings", timings);
}

/* ai/secrets: the secret values of a capture and its .env. */
#include "ai/secrets.h"

#include "rae/ai.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rae/arena.h"
#include "rae/har.h"
#include "rae/err.h"
#include "util/url.h"

/* Whether name ends with suffix, without case. */
static int ends_with(const char *name, const char *suffix) {
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

/* Whether lower-case text holds word (both short: a plain loop beats the library's search,
 * which prepares each needle). */
static int holds(const char *text, size_t n, const char *word) {
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++)
        if (text[i] == word[0] && memcmp(text + i, word, k) == 0) return 1;
    return 0;
}

int ai_secret_name(const char *name) {
    static const char *const words[] = {
        "token",      "secret",  "passw",   "pwd",     "session",  "csrf",     "xsrf",
        "apikey",     "api_key", "api-key", "signat",  "verifier", "jwt",      "bearer",
        "credential", "refresh", "cookie",  "private", "nonce",    "authoriz", NULL};
    char low[128];
    size_t n = strlen(name);
    if (n >= sizeof low) n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    low[n] = '\0';
    for (size_t i = 0; words[i]; i++)
        if (holds(low, n, words[i])) return 1;
    /* "auth" but not "author"; "key" and "sid" as words; an OAuth code */
    for (const char *a = low; (a = strstr(a, "auth")) != NULL; a += 4)
        if (strncmp(a, "author", 6) != 0) return 1;
    size_t full = strlen(name);
    return strcmp(low, "key") == 0 || ends_with(low, "_key") || ends_with(low, "-key") ||
           (full > 3 && strcmp(name + full - 3, "Key") == 0) || strcmp(low, "sid") == 0 ||
           ends_with(low, ".sid") || ends_with(low, "_sid") || strcmp(low, "code") == 0 ||
           strcmp(low, "otp") == 0;
}

static void add(ai_redact *r, const char *v) {
    if (v) ai_redact_add(r, v, strlen(v));
}

/* "Bearer X", "Basic X": X as well as the whole value. */
static void authorization(ai_redact *r, const char *v) {
    add(r, v);
    const char *space = strchr(v, ' ');
    if (space) add(r, space + 1);
}

/* name=value; name2=value2 (a Cookie header), or name=value; attrs (a Set-Cookie). */
static void cookie_header(ai_redact *r, const char *v, int set) {
    for (const char *p = v; *p;) {
        p += strspn(p, " ;");
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        if (eq) ai_redact_add(r, eq + 1, n - (size_t)(eq + 1 - p));
        if (set) break; /* the attributes are no secrets */
        p += n;
    }
}

/* A JWT (three base64url parts, the first a JSON header) is a secret wherever it is. */
static int jwt(const char *v) {
    return strncmp(v, "eyJ", 3) == 0 && strchr(v, '.') && strchr(strchr(v, '.') + 1, '.');
}

static void pairs(ai_redact *r, const har_pairs *p, int all) {
    for (size_t i = 0; i < p->n; i++)
        if (all || ai_secret_name(p->items[i].name) || jwt(p->items[i].value))
            add(r, p->items[i].value);
}

static void json_secrets(ai_redact *r, json_t *j, const char *key) {
    if (json_is_string(j)) {
        const char *v = json_string_value(j);
        if ((key && ai_secret_name(key)) || jwt(v)) add(r, v);
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) json_secrets(r, v, k);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) json_secrets(r, v, key);
    }
}

/* Whether JSON text may hold a secret: a key named so, or a JWT. One pass over the text, much
 * cheaper than parsing it (most answers hold none). */
static int may_hold_secret(const char *text, size_t len) {
    if (memmem(text, len, "eyJ", 3)) return 1;
    const char *end = text + len;
    for (const char *p = text; (p = memchr(p, '"', (size_t)(end - p))) != NULL;) {
        const char *q = p + 1;
        while (q < end && *q != '"')
            q += *q == '\\' ? 2 : 1;
        if (q >= end) return 0;
        const char *after = q + 1;
        while (after < end && (*after == ' ' || *after == '\n' || *after == '\t'))
            after++;
        char key[64];
        size_t n = (size_t)(q - p - 1);
        if (after < end && *after == ':' && n < sizeof key) {
            memcpy(key, p + 1, n);
            key[n] = '\0';
            if (ai_secret_name(key)) return 1;
        }
        p = q + 1;
    }
    return 0;
}

static void body(ai_redact *r, const har_body *b, arena *a) {
    for (size_t i = 0; i < b->n_params; i++)
        if (b->params[i].value && (ai_secret_name(b->params[i].name) || jwt(b->params[i].value)))
            add(r, b->params[i].value);
    size_t len;
    const char *text = har_body_bytes(b, a, &len);
    if (!text || !len) return;
    if (strstr(b->mime_type, "json") || text[0] == '{' || text[0] == '[') {
        if (!may_hold_secret(text, len)) return;
        json_t *j = json_loadb(text, len, 0, NULL);
        json_secrets(r, j, NULL);
        json_decref(j);
    } else if (strstr(b->mime_type, "x-www-form-urlencoded")) {
        har_pairs q = url_split_query(a, text, len);
        pairs(r, &q, 0);
    }
}

void ai_secrets_entry(void *redact, const har_entry *e, arena *a) {
    ai_redact *r = redact;
    for (size_t i = 0; i < e->req_headers.n; i++) {
        const har_pair *h = &e->req_headers.items[i];
        if (strcasecmp(h->name, "authorization") == 0 ||
            strcasecmp(h->name, "proxy-authorization") == 0)
            authorization(r, h->value);
        else if (strcasecmp(h->name, "cookie") == 0)
            cookie_header(r, h->value, 0);
        else if (ai_secret_name(h->name) || jwt(h->value))
            add(r, h->value);
    }
    for (size_t i = 0; i < e->resp_headers.n; i++) {
        const har_pair *h = &e->resp_headers.items[i];
        if (strcasecmp(h->name, "set-cookie") == 0)
            cookie_header(r, h->value, 1);
        else if (ai_secret_name(h->name) || jwt(h->value))
            add(r, h->value);
    }
    pairs(r, &e->req_cookies, 1);
    pairs(r, &e->resp_cookies, 1);
    pairs(r, &e->query, 0);
    if (e->has_req_body) body(r, &e->req_body, a);
    body(r, &e->resp_body, a);
}

/* NAME=value lines; every value but the base URLs (RAE_..._URL), the credentials too: a user
 * name is personal. */
static void env_file(ai_redact *r, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || !eq || (eq - line > 4 && strncmp(eq - 4, "_URL", 4) == 0)) continue;
        char *v = eq + 1;
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) v++, n -= 2;
        ai_redact_add_credential(r, v, n);
    }
    fclose(f);
}

int ai_secrets_collect(ai_redact *r, const char *har_path, const char *env_path, rae_err *err) {
    if (env_path) env_file(r, env_path);
    if (!har_path) return 0;
    har_reader *h;
    if (har_reader_open(har_path, &h, err) != 0) /* the message names the HAR */
        return rae_err_prefix(err, "reading for its secrets");
    arena *a = arena_new();
    har_entry *e;
    int rc;
    rae_err bad; /* a malformed entry: skipped, its secrets unknown */
    while ((rc = har_reader_next(h, a, &e, &bad)) != 0) {
        if (rc > 0) ai_secrets_entry(r, e, a);
        arena_reset(a);
    }
    arena_free(a);
    har_reader_free(h);
    return 0;
}

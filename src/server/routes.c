/* The API's routes: who is asking (a session cookie with its CSRF token, or a Bearer token), then
 * one handler per METHOD and path pattern. A user sees only their own sprites: anything else is
 * 404, the same as what does not exist. */
#include "server/api.h"
#include "util/assets.h"
#include "server/ws.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE "rae_session"
#define SESSION_IDLE_S (7 * 24 * 3600.0) /* a session unused this long ends */
#define SESSION_MAX_S (30 * 24 * 3600.0) /* and every session ends after this */

/* How much work may wait on the worker threads at once: per user, per address for sign-ins, and
 * for all sign-ins together (argon2id takes 64 MiB each); beyond it a request gets 429/503 at
 * once, so that no one user or address fills the threads that everyone shares. */
#define USER_INFLIGHT_MAX 4
#define PEER_INFLIGHT_MAX 2
#define ANON_INFLIGHT_MAX 8

typedef struct route {
    const char *method, *pattern; /* "{}" matches one path segment */
    int public;                   /* no sign-in needed (SIGNING_IN: it signs in or out) */
    int worker;                   /* its work runs on a worker thread (srv_defer) */
    api_fn *fn;
} route;

/* A route that signs a browser in or out: public, but only JSON from a page of this server (or
 * from no page: a script). A form or a text/plain fetch() of another site would otherwise sign
 * the browser in as the attacker, whose captures the victim then records (login CSRF). */
#define SIGNING_IN 2

/* ---- who is asking ---- */

/* 0 and c filled when the request carries a valid session or token. */
int api_identify(srv_req *r, caller *c) {
    memset(c, 0, sizeof *c);
    char token[256];
    if (strncmp(r->authorization, "Bearer ", 7) == 0)
        return rae_store_token_check(r->server->store, r->authorization + 7, &c->user);
    if (api_cookie_value(r->cookie, SESSION_COOKIE, token, sizeof token) < 0) return -1;
    c->by_session = 1;
    return rae_store_session_check(r->server->store, token, &c->user, c->csrf);
}

int api_ws_admit(struct lws *wsi, const char *suffix, srv_req *r, caller *c, char *id, size_t n) {
    char uri[1024];
    memset(r, 0, sizeof *r);
    memset(c, 0, sizeof *c);
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0) uri[0] = 0;
    srv_req_init(r, wsi, uri);
    if (api_sprite_of(r->path, suffix, id, n) < 0)
        srv_error(r, 404, "not_found", "no WebSocket at %s", r->path);
    else if (api_origin_ok(r) < 0)
        srv_error(r, 403, "cross_origin",
                  "a page of another origin (%s) may not open this WebSocket", r->origin);
    else if (api_identify(r, c) < 0)
        srv_error(r, 401, "unauthenticated",
                  "sign in first (a session cookie, or Authorization: Bearer TOKEN)");
    else if (rae_store_sprite_owned(r->server->store, c->user.id, id) != 1)
        srv_error(r, 404, "not_found", "no sprite '%s'", id);
    else
        return 0;
    return -1;
}

#define WS_CLOSE_WAIT_S 3 /* for the peer to answer a close frame, before the connection drops */

/* lws 4.1 writes a close frame for this opcode (its private LWS_WRITE_CLOSE); its public way,
 * lws_close_reason() and a -1 return, drops the connection without one (seen with 4.1.6). */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

int api_ws_close(struct lws *wsi, int code, const char *reason) {
    unsigned char frame[LWS_PRE + 125];
    size_t n = strlen(reason) > 123 ? 123 : strlen(reason);
    frame[LWS_PRE] = (unsigned char)(code >> 8);
    frame[LWS_PRE + 1] = (unsigned char)code;
    memcpy(frame + LWS_PRE + 2, reason, n);
    if (lws_write(wsi, frame + LWS_PRE, n + 2, WS_WRITE_CLOSE) < (int)(n + 2)) return -1;
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, WS_CLOSE_WAIT_S);
    return 0;
}

/* A state-changing request on a browser session must carry its CSRF token. */
static int csrf_ok(const srv_req *r, const caller *c) {
    if (!c->by_session || strcmp(r->method, "GET") == 0) return 1;
    size_t n = strlen(c->csrf);
    return n && strlen(r->csrf) == n && sodium_memcmp(r->csrf, c->csrf, n) == 0;
}

static void set_session_cookie(srv_req *r, const char *token, double max_age) {
    char cookie[512];
    snprintf(cookie, sizeof cookie,
             SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%.0f%s", token, max_age,
             r->server->tls ? "; Secure" : "");
    srv_header(r, "Set-Cookie", cookie);
}

static json_t *user_json(const rae_user *u) {
    return json_pack("{s:I,s:s,s:b}", "id", (json_int_t)u->id, "name", u->name, "admin", u->admin);
}

/* ---- auth ---- */

/* Starts a session for u: the cookie, and the CSRF token in the body. */
static void sign_in(srv_req *r, const rae_user *u) {
    char token[RAE_STORE_TOKEN_MAX], csrf[RAE_STORE_TOKEN_MAX];
    rae_err err;
    if (rae_store_session_create(r->server->store, u->id, SESSION_IDLE_S, SESSION_MAX_S, token,
                                 csrf, &err) < 0) {
        srv_error(r, 500, "internal", "%s", err.message);
        return;
    }
    set_session_cookie(r, token, SESSION_MAX_S);
    srv_json(r, 200, json_pack("{s:o,s:s}", "user", user_json(u), "csrf", csrf));
}

/* A sign-in or first-run setup: argon2id takes ~0.1 s and 64 MiB, so it runs on a worker thread
 * with a store handle borrowed from the server's pool (opened at start and kept; docs/store.md). */
typedef struct login_job {
    rae_store_pool *pool; /* borrowed from the server */
    char name[RAE_STORE_NAME_MAX + 1], password[RAE_STORE_PASSWORD_MAX + 1];
    char token[RAE_STORE_TOKEN_MAX]; /* setup only */
    char key[320];                   /* the throttling key */
    int rc;
    rae_user u;
    rae_err err;
} login_job;

static login_job *new_login(srv_req *r, const char *name, const char *password) {
    login_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->pool = r->server->pool;
    snprintf(j->name, sizeof j->name, "%s", name);
    snprintf(j->password, sizeof j->password, "%s", password);
    /* failures count per user and address: guessing one user's password from one place is
     * slowed down, while the user can still sign in from elsewhere */
    snprintf(j->key, sizeof j->key, "user:%s ip:%s", name, r->peer);
    return j;
}

static void free_login(login_job *j) {
    sodium_memzero(j->password, sizeof j->password);
    free(j);
}

static void login_work(void *arg) {
    login_job *j = arg;
    rae_store *st = rae_store_pool_take(j->pool);
    if (j->token[0])
        j->rc = rae_store_setup_use(st, j->token, j->name, j->password, &j->u, &j->err);
    else
        j->rc = rae_store_login(st, j->name, j->password, &j->u);
    if (j->rc < 0) rae_err_copy(&j->err, rae_store_err(st));
    rae_store_pool_give(j->pool, st);
}

static void login_done(srv_req *r, void *arg) {
    login_job *j = arg;
    rae_store *st = r->server->store;
    if (j->rc < 0 && j->err.code == RAE_E_FAIL) {
        srv_error(r, 500, "internal", "%s", j->err.message);
    } else if (j->token[0] && j->rc < 0) {
        srv_error(r, 403, "setup_refused", "%s", j->err.message);
    } else if (j->rc < 0) {
        srv_error(r, 401, "bad_credentials", "wrong username or password");
    } else {
        if (!j->token[0]) rae_store_login_cleared(st, j->key);
        sign_in(r, &j->u);
    }
    free_login(j);
}

/* The JSON body's username and password (and token when want_token), or a 400 queued. */
static json_t *credentials(srv_req *r, int want_token, const char **name, const char **password,
                           const char **token) {
    json_t *body = srv_body_json(r);
    if (!body) return NULL;
    if (srv_body_string(r, body, "username", name) < 0 ||
        srv_body_string(r, body, "password", password) < 0 ||
        srv_body_string(r, body, "token", token) < 0) {
        json_decref(body);
        return NULL;
    }
    if (!*name || !*password || (want_token && (!*token || !**token)))
        srv_error(r, 400, "bad_request", "%susername and password are required",
                  want_token ? "token, " : "");
    else if (strlen(*name) > RAE_STORE_NAME_MAX || strlen(*password) > RAE_STORE_PASSWORD_MAX ||
             (want_token && strlen(*token) >= RAE_STORE_TOKEN_MAX))
        srv_error(r, 400, "bad_request", "a user name is at most %d bytes, a password %d",
                  RAE_STORE_NAME_MAX, RAE_STORE_PASSWORD_MAX);
    else
        return body;
    json_decref(body);
    return NULL;
}

static void login(srv_req *r, caller *c, char args[][128]) {
    (void)c, (void)args;
    const char *name, *password, *token;
    json_t *body = credentials(r, 0, &name, &password, &token);
    if (!body) return;
    login_job *j = new_login(r, name, password);
    rae_store *st = r->server->store;
    if (rae_store_login_blocked(st, j->key) == 1) {
        srv_error(r, 429, "too_many_attempts",
                  "too many failed sign-ins: try again in %.0f minutes",
                  rae_store_login_wait(st, j->key) / 60 + 0.5);
        free_login(j);
    } else {
        /* counted as failed until it succeeds, so that attempts in flight count too */
        rae_store_login_failed(st, j->key);
        srv_defer(r, login_work, login_done, j);
    }
    json_decref(body);
}

static void logout(srv_req *r, caller *c, char args[][128]) {
    (void)c, (void)args;
    char token[256];
    if (api_cookie_value(r->cookie, SESSION_COOKIE, token, sizeof token) == 0)
        rae_store_session_delete(r->server->store, token);
    set_session_cookie(r, "", 0);
    srv_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* The first account, made with the one-time link the server printed. */
static void setup(srv_req *r, caller *c, char args[][128]) {
    (void)c, (void)args;
    const char *name, *password, *token;
    json_t *body = credentials(r, 1, &name, &password, &token);
    if (!body) return;
    login_job *j = new_login(r, name, password);
    snprintf(j->token, sizeof j->token, "%s", token);
    srv_defer(r, login_work, login_done, j);
    json_decref(body);
}

static void me(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    json_t *j = json_pack("{s:o}", "user", user_json(&c->user));
    if (c->by_session) json_object_set_new(j, "csrf", json_string(c->csrf));
    srv_json(r, 200, j);
}

/* Who is signed in, for a page that starts: never 401 (that would log an error in its console). */
static void auth_state(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    if (api_identify(r, c) < 0) {
        srv_json(r, 200, json_pack("{s:n}", "user"));
        return;
    }
    json_t *j = json_pack("{s:o}", "user", user_json(&c->user));
    if (c->by_session) json_object_set_new(j, "csrf", json_string(c->csrf));
    srv_json(r, 200, j);
}

/* This API as OpenAPI 3.1 (src/server/openapi.json, built in). */
static void openapi(srv_req *r, caller *c, char args[][128]) {
    (void)c, (void)args;
    const asset *a = asset_find("/api/openapi.json");
    if (a)
        srv_respond_static(r, 200, "application/json", a->data, (size_t)(a->end - a->data));
    else
        srv_error(r, 404, "not_found", "this build has no OpenAPI document");
}

static void healthz(srv_req *r, caller *c, char args[][128]) {
    (void)c, (void)args;
    srv_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* ---- the table ---- */

#define W 1 /* runs on a worker thread */

static const route routes[] = {
    {"GET", "/healthz", 1, 0, healthz},
    {"GET", "/api/openapi.json", 1, 0, openapi},
    {"POST", "/api/auth/login", SIGNING_IN, W, login},
    {"POST", "/api/auth/logout", SIGNING_IN, 0, logout},
    {"POST", "/api/auth/setup", SIGNING_IN, W, setup},
    {"GET", "/api/auth/state", 1, 0, auth_state},
    {"GET", "/api/me", 0, 0, me},
    {"GET", "/api/sessions", 0, 0, api_sessions_list},
    {"GET", "/api/usage", 0, 0, api_usage_get},
    {"GET", "/api/sprite", 0, W, api_sprite_list},
    {"POST", "/api/sprite", 0, W, api_sprite_create},
    {"GET", "/api/sprite/{}", 0, W, api_sprite_get},
    {"DELETE", "/api/sprite/{}", 0, W, api_sprite_delete},
    {"POST", "/api/sprite/{}/browser/start", 0, W, api_browser_start},
    {"POST", "/api/sprite/{}/browser/stop", 0, W, api_browser_stop},
    {"GET", "/api/sprite/{}/browser/vnc", 0, 0, api_browser_vnc},
    {"GET", "/api/sprite/{}/browser/status", 0, W, api_browser_status},
    {"POST", "/api/sprite/{}/browser/{}", 0, W, api_browser_command},
    {"GET", "/api/sprite/{}/files", 0, W, api_files_get},
    {"DELETE", "/api/sprite/{}/files", 0, W, api_files_delete},
    {"GET", "/api/sprite/{}/checkpoint", 0, W, api_checkpoint_list},
    {"POST", "/api/sprite/{}/checkpoint", 0, W, api_checkpoint_create},
    {"POST", "/api/sprite/{}/checkpoint/{}/restore", 0, W, api_checkpoint_restore},
    {"POST", "/api/sprite/{}/engineer/run", 0, W, api_engineer_run},
    {"GET", "/api/sprite/{}/engineer/run/{}", 0, 0, api_engineer_run_get},
    {"POST", "/api/sprite/{}/engineer/run/{}/messages", 0, W, api_engineer_run_message},
    {"POST", "/api/sprite/{}/engineer/run/{}/cancel", 0, W, api_engineer_run_cancel},
    {"GET", "/api/llm", 0, 0, api_llm_get},
    {"PUT", "/api/llm/key", 0, 0, api_llm_key_put},
    {"DELETE", "/api/llm/key", 0, 0, api_llm_key_delete},
};

/* 1 when a SIGNING_IN request may go on, else 0 with a 415 or 403 queued. */
static int signing_in_ok(srv_req *r) {
    if (!api_is_json(r->content_type)) {
        srv_error(r, 415, "unsupported_media_type", "send the body as application/json");
        return 0;
    }
    const char *site = r->fetch_site;
    if (api_origin_ok(r) < 0 ||
        (!r->origin[0] && *site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)) {
        srv_error(r, 403, "cross_origin",
                  "a page of another origin (%s) may not sign in or out here",
                  r->origin[0] ? r->origin : site);
        return 0;
    }
    return 1;
}

/* 1 when the work of r may go to the worker threads now, else 0 with a 429 or 503 queued. */
static int room_for_work(srv_req *r) {
    srv *s = r->server;
    int anon = strncmp(r->owner, "ip:", 3) == 0;
    int mine = srv_inflight(s, r->owner, 0), max = anon ? PEER_INFLIGHT_MAX : USER_INFLIGHT_MAX;
    if (mine >= max) {
        srv_header(r, "Retry-After", "1");
        srv_error(r, 429, "busy",
                  "%d requests of yours are still being worked on: try again once "
                  "one is answered",
                  mine);
        return 0;
    }
    if (anon && srv_inflight(s, "ip:", 1) >= ANON_INFLIGHT_MAX) {
        srv_header(r, "Retry-After", "1");
        srv_error(r, 503, "busy", "too many sign-ins at once: try again in a moment");
        return 0;
    }
    return 1;
}

void srv_route(srv_req *r) {
    char args[4][128];
    int path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const route *rt = &routes[i];
        if (!api_route_match(rt->pattern, r->path, args)) continue;
        path_known = 1;
        if (strcmp(rt->method, r->method) != 0) continue;
        caller c;
        memset(&c, 0, sizeof c);
        if (!rt->public && api_identify(r, &c) < 0) {
            srv_error(r, 401, "unauthenticated", "sign in first");
            return;
        } else if (!rt->public && !csrf_ok(r, &c)) {
            srv_error(r, 403, "csrf", "missing or wrong X-CSRF-Token header");
            return;
        }
        if (rt->public)
            snprintf(r->owner, sizeof r->owner, "ip:%s", r->peer);
        else
            snprintf(r->owner, sizeof r->owner, "user:%lld", c.user.id);
        if (rt->public == SIGNING_IN && !signing_in_ok(r)) return;
        if (srv_body_parse(r) < 0) return; /* a body is a JSON object, whatever the route */
        if (!rt->worker || room_for_work(r)) rt->fn(r, &c, args);
        return;
    }
    const char *ws = path_known ? NULL : srv_ws_at(r->path);
    int api = strncmp(r->path, "/api", 4) == 0 && (!r->path[4] || r->path[4] == '/');
    if (!path_known && !api && strcmp(r->method, "GET") == 0) {
        srv_static(r);
    } else if (ws) { /* a WebSocket's path, asked without Upgrade: websocket */
        srv_header(r, "Upgrade", "websocket");
        srv_error(r, 426, "upgrade_required",
                  "%s is a WebSocket (%s): open it with Upgrade: websocket", r->path, ws);
    } else if (path_known)
        srv_error(r, 405, "method_not_allowed", "%s %s is not a route", r->method, r->path);
    else
        srv_error(r, 404, "not_found", "no route %s", r->path);
}

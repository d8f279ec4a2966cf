/* The API's handlers and who calls them: shared by routes.c (the table, sign-in) and the files of
 * handlers (api_sprite.c). */
#ifndef RAE_SERVER_API_H
#define RAE_SERVER_API_H

#include "server/http.h"
#include "server/server.h"

typedef struct caller {
    rae_user user;
    int by_session; /* a browser session (CSRF applies), else a Bearer token */
    char csrf[RAE_STORE_TOKEN_MAX];
} caller;

/* Parsing what a request carries (routes.c; pure functions, fuzzed by tests/fuzz/fuzz_http.c).
 * The value of cookie name in a Cookie header, into out; 0 when present. */
int api_cookie_value(const char *header, const char *name, char *out, size_t n);
/* 1 when path matches pattern ("{}" is one path segment, at most 4, each under 128 bytes), its
 * {} segments copied into args. */
int api_route_match(const char *pattern, const char *path, char args[][128]);
/* 1 when a Content-Type is JSON ("application/json", parameters allowed). */
int api_is_json(const char *content_type);

/* A handler: args holds the {} segments of the route's pattern. */
typedef void api_fn(srv_req *r, caller *c, char args[][128]);

/* 0 and c filled when the request carries a live session cookie or API token. */
int api_identify(srv_req *r, caller *c);
/* A WebSocket upgrade may go on: 0 when it has no Origin (not a browser) or one of this server
 * (the Host it asked for, or --public-url). Browsers send cookies to WebSockets of any page of the
 * same site (any port of 127.0.0.1), so a session alone does not say the page is ours. */
int api_origin_ok(const srv_req *r);
/* A WebSocket upgrade to "/api/sprite/ID" + suffix: 0 when it comes from a page of this server
 * (api_origin_ok) with a session or token of the sprite's owner; else -1 with the refusal queued
 * on r (404, 403, 401). r (the caller releases it with srv_req_release, also on failure), c and id
 * are filled. */
int api_ws_admit(struct lws *wsi, const char *suffix, srv_req *r, caller *c, char *id, size_t n);
/* Sends a close frame with code and reason (at most 123 bytes of it) from a writable callback;
 * the connection drops if the peer has not closed it a few seconds later. -1 when the frame
 * could not be written (then return -1). */
int api_ws_close(struct lws *wsi, int code, const char *reason);
/* The VNC relay's WebSocket protocol (vnc.c) and the size of its per-connection state. */
size_t srv_vnc_session_size(void);
int srv_vnc_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
/* The sprite id of a path "/api/sprite/ID" + suffix (a WebSocket's), into id; 0 when it is one. */
int api_sprite_of(const char *path, const char *suffix, char *id, size_t n);
/* 1 when sprite id is the caller's and exists, else 0 with a 404 queued (quick: the store and
 * the sprite's record only). */
int api_own_sprite(srv_req *r, caller *c, const char *id);

api_fn api_sprite_list, api_sprite_create, api_sprite_get, api_sprite_delete;
api_fn api_files_get, api_files_delete;
api_fn api_checkpoint_list, api_checkpoint_create, api_checkpoint_restore;
api_fn api_browser_start, api_browser_stop, api_browser_status, api_browser_vnc,
    api_browser_command;
/* 1 when the browser service of sprite id runs (a capture that outlived a restart of rae serve). */
int api_browser_alive(rae_sprites *sprites, const char *id);
api_fn api_sessions_list;
api_fn api_usage_get;
api_fn api_engineer_run, api_engineer_run_get, api_engineer_run_message, api_engineer_run_cancel;
api_fn api_llm_get, api_llm_key_put, api_llm_key_delete;

#endif

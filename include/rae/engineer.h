/* engineer: from a HAR to an API model, and from the model to a Python client, an OpenAPI spec, a
 * replay test and a README. Offline, deterministic, no LLM.
 *
 *   eng_model *m; eng_options o = eng_options_default(); rae_err err;
 *   if (eng_analyze(reader, &o, &m, &err) < 0) ...;
 *   eng_write(m, "out", &o, &err);
 *   eng_model_free(m);
 *
 * The model is plain data (endpoints, parameters, schemas, value flows, auth, pagination, the
 * captured call sequence): code generators only read it, so other generators (or an LLM-assisted
 * mode) can be built on it. */
#ifndef RAE_ENGINEER_H
#define RAE_ENGINEER_H

#include <stddef.h>

#include "rae/arena.h"
#include "rae/err.h"
#include "rae/events.h"
#include "rae/har.h"

/* ---- schemas: JSON values merged over every sample ---- */

enum {
    ENG_T_NULL = 1,
    ENG_T_BOOL = 2,
    ENG_T_INT = 4,
    ENG_T_NUM = 8,
    ENG_T_STR = 16,
    ENG_T_ARR = 32,
    ENG_T_OBJ = 64,
};

#define ENG_ENUM_MAX 6

typedef struct eng_schema eng_schema;
typedef struct eng_prop {
    const char *name;
    eng_schema *schema;
    long present; /* samples of the object that had this property */
} eng_prop;

struct eng_schema {
    unsigned types; /* ENG_T_* seen */
    long samples;   /* values merged */
    long objects;   /* object samples (a property is required when present == objects) */
    eng_prop *props;
    size_t n_props, cap_props;
    eng_schema *items;  /* array elements, merged */
    const char *format; /* strings: "uuid", "date-time", "date", "email", "uri"; NULL when mixed */
    int format_set;
    const char *enums[ENG_ENUM_MAX]; /* distinct string values while few */
    size_t n_enums;
    int enum_overflow;
    const char *example; /* the first scalar value, as JSON text */
};

/* ---- value flows: where a request value came from ---- */

typedef enum eng_source_kind {
    ENG_SRC_NONE,
    ENG_SRC_JSON,        /* a field of an earlier JSON response: path */
    ENG_SRC_HEADER,      /* a response header: name */
    ENG_SRC_COOKIE,      /* a Set-Cookie: name */
    ENG_SRC_HTML_META,   /* <meta name=NAME content=...> */
    ENG_SRC_HTML_INPUT,  /* <input name=NAME value=...> */
    ENG_SRC_HTML_SCRIPT, /* "NAME": "..." or NAME = "..." in an inline script */
    ENG_SRC_LINK,    /* a query parameter (key) of a Link header's URL whose rel is path ("next") */
    ENG_SRC_LOCATION /* a query parameter (key) of a redirect's Location (path "Location") */
} eng_source_kind;

typedef struct eng_source {
    eng_source_kind kind;
    long call;        /* index into model->calls of the call whose response supplied it */
    const char *path; /* JSON path as "a.b[0].c", or the header/cookie/html name */
    const char *key;  /* the last JSON key on the path (for naming), or the name */
} eng_source;

/* ---- endpoints ---- */

typedef enum eng_where { ENG_IN_PATH, ENG_IN_QUERY, ENG_IN_HEADER, ENG_IN_BODY } eng_where;

/* A value the client makes for each sign-in (OAuth 2.0): a request's state and nonce, and a
 * PKCE pair (RFC 7636) whose challenge goes to the authorization request and whose verifier
 * goes to the token request. */
typedef enum eng_made {
    ENG_MADE_NONE,
    ENG_MADE_STATE,     /* random, checked when the redirect brings it back */
    ENG_MADE_NONCE,     /* random (OpenID Connect) */
    ENG_MADE_CHALLENGE, /* of a new verifier: S256 or plain, as m->oauth.pkce says */
    ENG_MADE_VERIFIER   /* the latest pair's */
} eng_made;

typedef struct eng_param {
    const char *name;    /* as on the wire */
    const char *py_name; /* a valid Python identifier */
    eng_where in;
    eng_schema *schema;
    int required;
    int session; /* filled by the client itself (CSRF token, API key, ...), not an argument */
    int secret;  /* a credential: comes from .env */
    int file;    /* multipart file part */
    const char *file_type; /* its captured Content-Type, or NULL */
    eng_made made;         /* made by the client when not given (a sign-in's state, PKCE) */
    eng_source config; /* when not given, the value a page's configuration holds (kind HTML_SCRIPT
                          or HTML_META, call: a model call of that page); kind NONE otherwise */
} eng_param;

typedef enum eng_body_kind {
    ENG_BODY_NONE,
    ENG_BODY_JSON,
    ENG_BODY_FORM,
    ENG_BODY_MULTIPART,
    ENG_BODY_TEXT
} eng_body_kind;

typedef enum eng_page_style {
    ENG_PAGE_NONE,
    ENG_PAGE_CURSOR,
    ENG_PAGE_PAGE,
    ENG_PAGE_OFFSET,
    ENG_PAGE_LINK,       /* the next page's URL is in the response body (next_path) */
    ENG_PAGE_LINK_HEADER /* RFC 8288: Link: <URL>; rel="next", its param moves */
} eng_page_style;

typedef struct eng_pagination {
    eng_page_style style;
    const char *param;      /* the query parameter that moves (cursor, page, offset) */
    const char *next_path;  /* cursor/link: JSON path of the next value in the response */
    const char *items_path; /* JSON path of the item array ("" = the response itself) */
    const char *limit_param;
} eng_pagination;

typedef struct eng_response {
    int status;
    const char *mime;   /* without parameters */
    eng_schema *schema; /* JSON responses; NULL otherwise */
    long samples;
} eng_response;

typedef struct eng_endpoint {
    const char *method;
    const char *origin;        /* scheme://host[:port] */
    const char *path;          /* template: /api/notes/{note_id} */
    const char *op_name;       /* Python method name */
    const char *summary;       /* one line for docs */
    const char *graphql_op;    /* GraphQL operation name, or NULL when not GraphQL */
    const char *graphql_query; /* its document, as first captured */
    int graphql_named;         /* the captured requests sent operationName */
    const char *graphql_hash;  /* a persisted query (Apollo's): its sha256Hash, sent with
                                  operationName and no query; NULL otherwise */
    eng_param *params;
    size_t n_params;
    eng_body_kind body_kind;
    const char *body_mime;
    int body_mime_varies;     /* samples sent JSON as several types (merge-patch+json and
                                 json-patch+json): the method takes content_type */
    eng_schema *body_schema;  /* JSON bodies */
    int body_is_object;       /* JSON object with fields as arguments */
    long bodies_missing;      /* samples whose request body the HAR lacks (eng_call.body_missing) */
    const char *body_missing; /* the first such sample's reason, or NULL */
    int body_raw; /* no sample's body is in the HAR: the method takes the body whole, as httpx
                     does (files= and data= for multipart, data= for a form, body= otherwise) */
    eng_response *responses;
    size_t n_responses;
    long samples;
    int is_page;    /* an HTML page kept because a later request used a value from it */
    int is_login;   /* takes credentials and starts a session */
    int needs_auth; /* sent a session value (token, cookie, key) when captured */
    int if_match;   /* sent If-Match with the ETag of an earlier answer: the client sends the
                       last ETag it saw for the URL */
    eng_pagination page;
    size_t *uses; /* indexes into model->session of the values this endpoint sends */
    size_t n_uses;
    size_t *fresh; /* indexes into model->fresh of the headers made anew for each call */
    size_t n_fresh;
    int is_signed; /* sent model->signature's header: the client signs it (or, not reproduced,
                      the replay skips it) */
    const char **headers; /* "Name", "value" pairs: headers every call to it sent alike that
                             its origin does not demand so (origin->headers) */
    size_t n_headers;
} eng_endpoint;

/* ---- the captured sequence of calls ---- */

typedef struct eng_arg {
    eng_param *param;  /* NULL for a non-argument body (raw JSON / text) */
    const char *value; /* the captured value: text, or JSON text for JSON bodies */
    int is_json;       /* value is JSON text */
    const char *file_name, *content_type; /* multipart file parts */
    int file_base64;                      /* a file part's bytes, given as base64 in value */
    eng_source src;                       /* where the value came from, when it flows */
} eng_arg;

typedef struct eng_call {
    long entry; /* HAR entry index */
    eng_endpoint *ep;
    int status;
    eng_arg *args;
    size_t n_args;
    const char *body_json; /* whole JSON body when not split into arguments */
    const char *body_mime; /* the request's media type, without parameters */
    /* The request had a body (a Content-Length above 0, or a Content-Type on a method that sends
     * one) that the HAR does not hold (no postData, or one without text and params): why, in one
     * phrase for people; NULL when the body is there or there was none. The replay skips it. */
    const char *body_missing;
    /* The site refused the call (401) for an expired token, and the page renewed the token and
     * sent the call again: the replay runs it but expects no particular status. */
    int retried;
    /* The page's retry of such a refused call, after the renewal: the same logical call, sent
     * with its ids (an Idempotency-Key) again. */
    int again;
    /* Sent without the session values its endpoint sends otherwise (the page asking whether it
     * is signed in, before it is): the replay sends it so too. */
    int bare;
    int graphql_errors;    /* a GraphQL answer that held errors (with status 200) */
    const char *resp_mime; /* the answer's media type, "" when it had none */
} eng_call;

/* ---- session values: what the client keeps and fills by itself ---- */

typedef enum eng_session_use {
    ENG_USE_BEARER,
    ENG_USE_HEADER,
    ENG_USE_QUERY,
    ENG_USE_BODY,
    ENG_USE_COOKIE /* kept by the client's cookie jar; the producer is called when it is missing */
} eng_session_use;

/* An operation whose answer gives a session value anew (a token refresh, a rotated cookie). */
typedef struct eng_renewer {
    eng_endpoint *ep;
    eng_source src; /* where in its answer */
} eng_renewer;

typedef struct eng_session_value {
    const char *name; /* Python-friendly key: "token", "csrf_token", "api_key" */
    eng_session_use use;
    const char *wire_name;  /* header / query / body field name */
    eng_endpoint *producer; /* NULL: a constant from .env */
    eng_source src;         /* how to extract it from the producer's response */
    eng_renewer *renewers;  /* other operations whose answers replace it */
    size_t n_renewers;
    eng_endpoint *refresh; /* the renewer that takes a refresh token: called before the value
                              expires and after a 401, or NULL */
    int is_refresh;        /* a refresh token: sent only to renew another value */
    int signs_in;          /* produced by redeeming an OAuth code: the client gets it by
                              sign_in(), not by calling the producer alone */
    const char *env_name;  /* RAE_... when it is a constant secret */
    const char *captured;  /* the captured value (for .env) */
} eng_session_value;

typedef struct eng_credential {
    const char *field;    /* body field name: "username", "password" */
    const char *env_name; /* RAE_USERNAME */
    const char *captured; /* the captured value (written to .env, never into code) */
} eng_credential;

/* A header whose value is new on every request and comes from no answer: the client makes one
 * of the same kind for each call (a UUID the same on a retry of that call, the others anew). */
typedef enum eng_fresh_kind {
    ENG_FRESH_UUID,    /* Idempotency-Key, X-Request-Id */
    ENG_FRESH_UNIX,    /* seconds since the epoch */
    ENG_FRESH_UNIX_MS, /* milliseconds since the epoch */
    ENG_FRESH_ISO,     /* an ISO 8601 time, in the captured form (Z or +00:00, milliseconds) */
    ENG_FRESH_NONCE    /* random: the captured length and alphabet */
} eng_fresh_kind;

typedef struct eng_fresh {
    const char *name; /* the header, as first sent */
    eng_fresh_kind kind;
    const char *sample; /* a captured value: its length, alphabet and form */
} eng_fresh;

/* A header signed with a key from an earlier answer: HMAC-SHA256 over parts of the request. */
typedef struct eng_signature {
    const char *header;     /* "X-Signature"; NULL when no request was signed */
    int reproduced;         /* a form below reproduced every captured value */
    const char *parts;      /* "method,path,header:X-Timestamp,body_sha256" (see signature.c) */
    const char *sep;        /* what joins them: "\n", "", "|", ":", "." */
    const char *encoding;   /* "hex", "base64", "base64url" (without padding: "base64url_np") */
    eng_endpoint *producer; /* whose answer gives the key */
    eng_source key;         /* where in it (kind JSON, call: a model call index) */
} eng_signature;

/* OAuth 2.0 authorization code (RFC 6749, 4.1), as the page ran it through an identity
 * provider's sign-in form: the client signs in by itself the same way. */
typedef struct eng_oauth {
    eng_endpoint *start;     /* what sign_in() calls first: the authorization request, or a page
                                of the site that redirects to it (its server draws the state) */
    eng_endpoint *authorize; /* GET, response_type=code: the form, or a redirect to it */
    eng_endpoint *token;     /* POST, grant_type=authorization_code: the page redeems the code;
                                NULL when the page's server does */
    eng_endpoint *callback;  /* the page's own endpoint the redirect brings the code to, when its
                                server redeems it (and keeps the session); NULL otherwise */
    const eng_param *code;   /* the token request's field for the code ("code") */
    const char *pkce;        /* "S256" or "plain" (RFC 7636); NULL without PKCE */
    long start_call;         /* model calls: where the captured sign-in started, its */
    long authorize_call;     /* authorization, and the call that took the code back */
    long back_call;
} eng_oauth;

/* An origin the capture called: the client holds one base URL per origin, by role. */
typedef struct eng_origin {
    const char *url;      /* as captured: scheme://host[:port] */
    const char *role;     /* Python name: "app", "api", "auth"... the primary's is "base" */
    const char *env_name; /* RAE_BASE_URL for the primary, else RAE_<ROLE>_URL */
    eng_source config;    /* where a page names it (kind HTML_SCRIPT or HTML_META, call, key);
                             kind ENG_SRC_NONE when no page does */
    const char **headers; /* "Name", "value" pairs: headers every API call to it sent alike */
    size_t n_headers;
} eng_origin;

typedef struct eng_model {
    arena *mem;           /* owns everything below */
    const char *source;   /* the HAR's path */
    const char *base_url; /* the primary origin: the page that names the others, else the one
                             most API calls went to */
    eng_origin *origins;  /* the primary first */
    size_t n_origins;
    eng_fresh *fresh; /* headers made anew for each request */
    size_t n_fresh;
    eng_signature signature;
    eng_oauth oauth; /* authorize NULL when the page signed in otherwise */
    eng_endpoint **endpoints;
    size_t n_endpoints;
    eng_call *calls;
    size_t n_calls;
    eng_session_value *session;
    size_t n_session;
    eng_credential *creds;
    size_t n_creds;
    const char **static_cookies; /* "name=value" cookies sent but never set by the capture */
    size_t n_static_cookies;
    long entries, api_entries, noise_entries, bad_entries;
    int malformed; /* some part of the HAR is malformed: eng_analyze's err names the first */
    long by_class[8];
    int has_basic_auth;
} eng_model;

typedef struct eng_options {
    const char *host;    /* only this API host, or NULL */
    const char *include; /* POSIX extended regex over URLs, or NULL */
    const char *exclude;
    int redact;     /* leave secrets out of .env */
    long max_calls; /* calls kept for the replay (default 500) */
    rae_event_fn on_event;
    void *event_user;
    /* Each entry as it is read, before any filter, with the pass's scratch arena (the AI engineer
     * collects the capture's secrets in the same pass), or NULL. */
    void (*on_entry)(void *user, const har_entry *e, arena *scratch);
    void *entry_user;
} eng_options;

eng_options eng_options_default(void);

/* Analyses every entry of r. 0 on success (free *out with eng_model_free), -1 with err filled. */
int eng_analyze(har_reader *r, const eng_options *o, eng_model **out, rae_err *err);
void eng_model_free(eng_model *m);

/* Writes api_client.py, openapi.json, replay.py, README.md, model.json and .env (0600) into dir
 * (made when missing). 0 on success, -1 with err->message naming the file. */
int eng_write(const eng_model *m, const char *dir, const eng_options *o, rae_err *err);
/* The name of the i-th file eng_write writes, or NULL past the last. */
const char *eng_file_name(size_t i);

#endif

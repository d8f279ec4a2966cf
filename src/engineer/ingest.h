/* The analysis' working data: one raw_call per kept request, with every value it sent and, where
 * a value came from an earlier response, its source. Internal to src/engineer. */
#ifndef RAE_ENGINEER_INGEST_H
#define RAE_ENGINEER_INGEST_H

#include "engineer/internal.h"
#include "rae/err.h"
#include "rae/har_filter.h"
#include "util/vec.h"

typedef enum raw_where {
    RAW_SEG,
    RAW_QUERY,
    RAW_HEADER,
    RAW_COOKIE,
    RAW_BODY,
    RAW_BEARER
} raw_where;

typedef struct raw_value {
    raw_where where;
    const char *name; /* query/header/cookie/body field name; for RAW_SEG the segment index */
    const char *value;
    int is_json;     /* body field given as JSON text (non-string JSON values) */
    int is_file;     /* multipart file part */
    int file_base64; /* the file's bytes are in value as base64 (they are not UTF-8 text) */
    const char *file_name, *content_type;
    size_t seg; /* RAW_SEG: which segment */
    eng_source src;
    eng_source ref; /* RAW_SEG: a response that listed this value as a thing's id or name
                       ("[2].name"), even when the user typed it first: a parameter's evidence */
} raw_value;

typedef struct raw_call {
    long entry;
    har_class cls;
    const char *method, *origin;
    const char **segs; /* decoded path segments */
    size_t n_segs;
    int *seg_param; /* 1 when the segment is a parameter */
    raw_value *values;
    size_t n_values;
    eng_body_kind body_kind;
    const char *body_mime;
    jv *body_json;         /* JSON bodies (for GraphQL: the variables object) */
    const char *gql_op;    /* GraphQL: the operation's name, or NULL when not GraphQL */
    const char *gql_query; /* GraphQL: the document sent */
    int gql_named;         /* GraphQL: the request carried operationName */
    int gql_errors;        /* GraphQL: the answer held errors */
    const char *gql_hash;  /* GraphQL persisted query: the sha256Hash sent instead of a query */
    const char *body_text;
    const char *body_missing; /* eng_call.body_missing */
    int status;
    const char *resp_mime;
    eng_schema *resp_schema; /* JSON responses */
    const char *resp_keys;   /* top-level keys of a JSON object response, for likeness */
    int used_as_source;      /* a later request used a value from its response */
    /* A request with a signature-like header: what a signature may cover, as sent. */
    const char *sig_name, *sig_value; /* the header */
    const char *raw_path, *raw_query; /* the URL's, undecoded */
    const char *raw_body;             /* the body's bytes ("" without one) */
    size_t raw_body_len;
    eng_endpoint *ep;
} raw_call;

typedef struct ingest {
    arena *a; /* the model's arena */
    const eng_options *o;
    pvec calls;        /* raw_call* in capture order */
    smap *index;       /* value -> eng_source*: the first response that held it */
    smap *sent;        /* values already sent in a request (user input, not flows) */
    smap *refs;        /* value -> eng_source*: first response listing it under an id/name key */
    smap *set_cookies; /* cookie name -> 1 when some response set it */
    smap *configs;     /* origin -> eng_source*: the first page whose configuration named it */
    pvec keys;         /* eng_source* of key-like answer fields (signing keys), in answer order;
                          each source's key member holds the value */
    void *include_re, *exclude_re;
    const char *recorder; /* the HAR's creator ("Playwright 1.64.1"), "" when it names none */
} ingest;

/* ingest.c */
int eng_ingest(ingest *in, har_reader *r, eng_model *m, rae_err *err);
/* template.c: path templates, endpoints, parameters and names */
void eng_build_endpoints(ingest *in, eng_model *m);
/* session.c: auth, session values, credentials, pagination, and the call list */
void eng_build_session(ingest *in, eng_model *m);
/* session.c: appends index to the array *v of *n (made in a) unless it holds it already. */
void eng_index_add(arena *a, size_t **v, size_t *n, size_t index);
/* origins.c: the origins, their roles, how the page names them, the headers each demands */
void eng_build_origins(ingest *in, eng_model *m);
/* fresh.c: the headers made anew for each request (ids, times, nonces) */
void eng_build_fresh(ingest *in, eng_model *m);
/* signature.c: a header signed with a key from an earlier answer, and how */
void eng_build_signature(ingest *in, eng_model *m);
/* oauth.c: an OAuth 2.0 authorization code sign-in, its PKCE pair and state */
void eng_build_oauth(ingest *in, eng_model *m);
/* origins.c: the headers each endpoint sends alike beyond what its origin demands */
void eng_build_endpoint_headers(ingest *in, eng_model *m);

#endif

/* The engineer on small captures written here: endpoints, names, flows, session, pagination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engineer/internal.h"
#include "util/text.h"

#define ENTRY(method, url, reqh, body, status, resp)                                               \
    "{\"request\":{\"method\":\"" method "\",\"url\":\"" url "\",\"headers\":[" reqh "]" body      \
    "},\"response\":{\"status\":" #status ",\"headers\":[],\"content\":{\"mimeType\":"             \
    "\"application/json\",\"text\":\"" resp "\"}},\"_resourceType\":\"fetch\"}"

#define AUTH "{\"name\":\"Authorization\",\"value\":\"Bearer tok_9f8e7d6c5b4a3\"}"
#define JSON_BODY(text) ",\"postData\":{\"mimeType\":\"application/json\",\"text\":\"" text "\"}"

static const char capture[] =
    "{\"log\":{\"version\":\"1.2\",\"entries\":["
    "{\"request\":{\"method\":\"GET\",\"url\":\"https://shop.example/\",\"headers\":[]},"
    "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"text/html\",\"text\":\"<html></"
    "html>\"}},"
    "\"_resourceType\":\"document\"},"
    "{\"request\":{\"method\":\"GET\",\"url\":\"https://shop.example/app.js\",\"headers\":[]},"
    "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/"
    "javascript\",\"text\":\"x\"}}}," ENTRY("POST", "https://shop.example/api/login", "", JSON_BODY("{\\\"username\\\":\\\"alice\\\",\\\"password\\\":\\\"s3cret\\\"}"), 200, "{\\\"token\\\":\\\"tok_9f8e7d6c5b4a3\\\"}") "," ENTRY(
        "GET",
        "https://shop.example/api/"
        "items?limit=1",
        AUTH, "", 200,
        "{\\\"items\\\":[{\\\"id\\\":"
        "\\\"a1b2c3d4e5f6\\\",\\\"slug\\\":"
        "\\\"blue-widget\\\"}],"
        "\\\"next_cursor\\\":\\\"cur_"
        "ABCDEF123\\\"}") "," ENTRY("GET",
                                    "https:/"
                                    "/shop."
                                    "example"
                                    "/api/"
                                    "items?"
                                    "limit="
                                    "1&"
                                    "cursor="
                                    "cur_"
                                    "ABCDEF1"
                                    "23",
                                    AUTH, "", 200,
                                    "{\\\"it"
                                    "ems\\\""
                                    ":[{"
                                    "\\\"id"
                                    "\\\":"
                                    "\\\"0f0"
                                    "e0d0c0b"
                                    "0a\\\","
                                    "\\\"slu"
                                    "g\\\":"
                                    "\\\"red"
                                    "-gadget"
                                    "\\\"}],"
                                    "\\\"nex"
                                    "t_"
                                    "cursor"
                                    "\\\":"
                                    "null}") "," ENTRY("GET",
                                                       "http"
                                                       "s://"
                                                       "shop"
                                                       ".exa"
                                                       "mple"
                                                       "/api"
                                                       "/ite"
                                                       "ms/"
                                                       "blue"
                                                       "-wid"
                                                       "get",
                                                       AUTH, "", 200,
                                                       "{\\"
                                                       "\"id"
                                                       "\\\""
                                                       ":\\"
                                                       "\"a1"
                                                       "b2c3"
                                                       "d4e5"
                                                       "f6\\"
                                                       "\"}") "," ENTRY("DELETE",
                                                                        "https://shop.example/api/"
                                                                        "items/a1b2c3d4e5f6",
                                                                        AUTH, "", 204,
                                                                        "") ","
                                                                            "{\"request\":{"
                                                                            "\"method\":\"POST\","
                                                                            "\"url\":\"https://"
                                                                            "www.google-analytics."
                                                                            "com/g/"
                                                                            "collect\",\"headers\":"
                                                                            "[]},"
                                                                            "\"response\":{"
                                                                            "\"status\":204,"
                                                                            "\"content\":{"
                                                                            "\"mimeType\":\"\"}}}"
                                                                            "]}}";

static eng_model *analyze(const char *har) {
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open_mem(har, strlen(har), &r, &err), 0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);
    return m;
}

static eng_endpoint *find(eng_model *m, const char *method, const char *path) {
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (strcmp(m->endpoints[i]->method, method) == 0 &&
            strcmp(m->endpoints[i]->path, path) == 0)
            return m->endpoints[i];
    return NULL;
}

static void test_endpoints_and_names(void **state) {
    (void)state;
    eng_model *m = analyze(capture);
    assert_int_equal(m->entries, 8);
    assert_int_equal(m->n_endpoints, 4); /* the page, the script and the tracker are noise */
    eng_endpoint *login = find(m, "POST", "/api/login");
    eng_endpoint *list = find(m, "GET", "/api/items");
    eng_endpoint *get = find(m, "GET", "/api/items/{item_slug}");
    eng_endpoint *del = find(m, "DELETE", "/api/items/{item_id}");
    assert_non_null(login);
    assert_non_null(list);
    assert_non_null(get);
    assert_non_null(del);
    assert_string_equal(login->op_name, "login");
    assert_true(login->is_login);
    assert_string_equal(list->op_name, "list_items");
    assert_string_equal(get->op_name, "get_item");
    assert_string_equal(del->op_name, "delete_item");
    assert_string_equal(m->base_url, "https://shop.example");
    eng_model_free(m);
}

static void test_session_flows_and_pagination(void **state) {
    (void)state;
    eng_model *m = analyze(capture);
    assert_int_equal(m->n_session, 1);
    assert_string_equal(m->session[0].name, "token");
    assert_int_equal(m->session[0].use, ENG_USE_BEARER);
    assert_non_null(m->session[0].producer);
    assert_string_equal(m->session[0].producer->op_name, "login");
    assert_string_equal(m->session[0].src.path, "token");
    assert_int_equal(m->n_creds, 2);
    assert_string_equal(m->creds[0].env_name, "RAE_USERNAME");
    assert_string_equal(m->creds[1].env_name, "RAE_PASSWORD");
    eng_endpoint *list = find(m, "GET", "/api/items");
    assert_int_equal(list->page.style, ENG_PAGE_CURSOR);
    assert_string_equal(list->page.param, "cursor");
    assert_string_equal(list->page.next_path, "next_cursor");
    assert_string_equal(list->page.items_path, "items");
    /* calls: login, list, list page 2, get (slug from list), delete (id from list) */
    assert_int_equal(m->n_calls, 5);
    const eng_call *get = &m->calls[3];
    assert_int_equal(get->n_args, 1);
    assert_int_equal(get->args[0].src.kind, ENG_SRC_JSON);
    assert_int_equal(get->args[0].src.call, 1);
    assert_string_equal(get->args[0].src.path, "items[0].slug");
    const eng_call *page2 = &m->calls[2];
    int cursor_flows = 0;
    for (size_t i = 0; i < page2->n_args; i++)
        cursor_flows |= strcmp(page2->args[i].param->name, "cursor") == 0 &&
                        page2->args[i].src.kind == ENG_SRC_JSON && page2->args[i].src.call == 1;
    assert_true(cursor_flows);
    eng_model_free(m);
}

static void test_outputs_generate(void **state) {
    (void)state;
    eng_model *m = analyze(capture);
    buf py = BUF_INIT, replay = BUF_INIT, api = BUF_INIT, env = BUF_INIT;
    assert_int_equal(eng_gen_python(m, &(eng_options){0}, &py), 0);
    assert_int_equal(eng_gen_replay(m, &(eng_options){0}, &replay), 0);
    assert_int_equal(eng_gen_openapi(m, &(eng_options){0}, &api), 0);
    eng_gen_env(m, &(eng_options){.redact = 0}, &env);
    assert_non_null(strstr(buf_str(&py), "def get_item(self, item_slug: str) -> Any:"));
    assert_non_null(strstr(buf_str(&py), "def iter_list_items(self"));
    assert_null(strstr(buf_str(&py), "s3cret")); /* secrets never go into code */
    assert_non_null(strstr(buf_str(&env), "RAE_PASSWORD=s3cret"));
    assert_non_null(strstr(buf_str(&replay),
                           "client.get_item(item_slug=json_get(results[2], \"items[0].slug\"))"));
    assert_non_null(strstr(buf_str(&api), "\"/api/items/{item_slug}\""));
    buf_reset(&env);
    eng_gen_env(m, &(eng_options){.redact = 1}, &env);
    assert_null(strstr(buf_str(&env), "s3cret"));
    buf_free(&py);
    buf_free(&replay);
    buf_free(&api);
    buf_free(&env);
    eng_model_free(m);
}

static void test_segment_kinds_and_names(void **state) {
    (void)state;
    assert_int_equal(eng_segment_kind("12345"), SEG_INT);
    assert_int_equal(eng_segment_kind("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), SEG_UUID);
    assert_int_equal(eng_segment_kind("5f1e0c9ab2d34e8f"), SEG_HEX);
    assert_int_equal(eng_segment_kind("2024-05-01"), SEG_DATE);
    assert_int_equal(eng_segment_kind("01HGW2N7EHJ8Y6KQ3V9XZ0ABCD"), SEG_TOKEN);
    assert_int_equal(eng_segment_kind("notes"), SEG_LITERAL);
    assert_int_equal(eng_segment_kind("blue-widget"), SEG_LITERAL);
    arena *a = arena_new();
    assert_string_equal(eng_py_ident(a, "getCurrentUser"), "get_current_user");
    assert_string_equal(eng_py_ident(a, "X-API-Key"), "x_api_key");
    assert_string_equal(eng_py_ident(a, "class"), "class_");
    assert_string_equal(eng_py_ident(a, "2fa"), "v_2fa");
    assert_string_equal(eng_singular(a, "categories"), "category");
    assert_string_equal(eng_singular(a, "notes"), "note");
    assert_string_equal(eng_singular(a, "status"), "status");
    arena_free(a);
}

static void test_schema_merge(void **state) {
    (void)state;
    arena *a = arena_new();
    eng_schema *s = eng_schema_new(a);
    const char *samples[] = {"{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}",
                             "{\"id\":2,\"name\":null}", "{\"id\":3,\"name\":\"c\",\"tags\":[]}"};
    for (size_t i = 0; i < 3; i++) {
        rae_err err;
        eng_schema_add(a, s, jv_parse(a, samples[i], strlen(samples[i]), NULL, &err));
    }
    buf b = BUF_INIT;
    eng_schema_json(s, &b);
    assert_non_null(strstr(buf_str(&b), "\"required\":[\"id\",\"name\"]"));
    assert_non_null(strstr(buf_str(&b), "\"name\":{\"type\":[\"string\",\"null\"]"));
    assert_string_equal(eng_schema_py(eng_schema_at(s, "name"), a), "Optional[str]");
    assert_string_equal(eng_schema_py(eng_schema_at(s, "tags"), a), "List[str]");
    buf_free(&b);
    arena_free(a);
}

static eng_param *param(eng_endpoint *ep, const char *name) {
    for (size_t i = 0; i < ep->n_params; i++)
        if (strcmp(ep->params[i].name, name) == 0) return &ep->params[i];
    return NULL;
}

static const eng_session_value *session(eng_model *m, const char *wire) {
    for (size_t i = 0; i < m->n_session; i++)
        if (strcmp(m->session[i].wire_name, wire) == 0) return &m->session[i];
    return NULL;
}

/* tests/unit/data/shop_session.har: a form login with a pre-login cookie, CSRF tokens in two
 * pages' meta tags, a binary multipart upload (base64 postData), a minted API key. */
static void test_cookie_session_producers_and_files(void **state) {
    (void)state;
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open(RAE_SOURCE_DIR "/tests/unit/data/shop_session.har", &r, &err),
                     0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);

    /* The session cookie is the one the login set, not the pre-login one of the form page. */
    const eng_session_value *cookie = session(m, "shop_session");
    assert_non_null(cookie);
    assert_int_equal(cookie->use, ENG_USE_COOKIE);
    assert_string_equal(cookie->producer->op_name, "login");
    /* Of the two pages with a CSRF meta tag, the one that needs no argument produces it. */
    const eng_session_value *csrf = session(m, "X-CSRF-Token");
    assert_non_null(csrf);
    assert_string_equal(csrf->producer->op_name, "get_keys_page");
    assert_int_equal(csrf->src.kind, ENG_SRC_HTML_META);
    const eng_session_value *key = session(m, "X-API-Key");
    assert_non_null(key);
    assert_string_equal(key->producer->op_name, "create_key");
    assert_true(find(m, "GET", "/api/orders")->needs_auth);

    /* A listed name is a path parameter; the binary file part keeps its bytes and type. */
    assert_non_null(find(m, "GET", "/api/tags/{tag_name}/products"));
    eng_endpoint *upload = find(m, "POST", "/api/products/{product_slug}/images");
    assert_non_null(upload);
    assert_int_equal(upload->body_kind, ENG_BODY_MULTIPART);
    eng_param *image = param(upload, "image");
    assert_non_null(image);
    assert_true(image->file);
    assert_string_equal(image->file_type, "image/png");
    assert_non_null(param(upload, "caption"));
    int seen = 0;
    for (size_t c = 0; c < m->n_calls; c++)
        for (size_t i = 0; i < m->calls[c].n_args; i++) {
            const eng_arg *a = &m->calls[c].args[i];
            if (a->param != image) continue;
            assert_true(a->file_base64);
            assert_string_equal(a->value, "iVBORw0KGgoAAAANSUhEUgAAAAE=");
            assert_string_equal(a->file_name, "side.png");
            seen = 1;
        }
    assert_true(seen);
    eng_model_free(m);
}

/* tests/unit/data/graphql.har: one endpoint per GraphQL operation, named by operationName or
 * by the document; a JSON body with a "query" that is no document is no GraphQL. */
static void test_graphql_operations(void **state) {
    (void)state;
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open(RAE_SOURCE_DIR "/tests/unit/data/graphql.har", &r, &err), 0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);
    assert_int_equal(m->n_endpoints, 5);
    const char *ops[] = {"viewer", "get_user", "create_post", "feed"};
    const char *names[] = {"viewer", "GetUser", "createPost", "feed"};
    for (size_t i = 0; i < 4; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        assert_string_equal(ep->op_name, ops[i]);
        assert_string_equal(ep->path, "/graphql");
        assert_non_null(ep->graphql_op);
        assert_string_equal(ep->graphql_op, names[i]);
    }
    assert_true(m->endpoints[1]->graphql_named);
    assert_false(m->endpoints[3]->graphql_named); /* "Bad\"Name" is not a GraphQL name */
    assert_int_equal(m->endpoints[1]->samples, 2);
    assert_non_null(param(m->endpoints[1], "id")); /* variables are the arguments */
    const eng_endpoint *search = m->endpoints[4];
    assert_null(search->graphql_op);
    assert_non_null(param((eng_endpoint *)search, "query"));
    /* GetUser's id came from the viewer query's response */
    assert_int_equal(m->calls[1].args[0].src.kind, ENG_SRC_JSON);
    assert_string_equal(m->calls[1].args[0].src.path, "data.viewer.id");
    eng_model_free(m);
}

static const eng_endpoint *endpoint_of(const eng_model *m, size_t call) {
    assert_true(call < m->n_calls);
    return m->calls[call].ep;
}

#define PLAYWRIGHT_NO_POSTDATA                                                                     \
    "the HAR has no body for this request (recorded without postData by Playwright 1.64.1)"

/* tests/unit/data/unrecorded_body.har: requests whose body the HAR lacks (Playwright's recordHar
 * keeps none for a FormData holding a Blob) stay in the model, marked so; their methods take the
 * body whole, and the replay skips them and the steps that need their responses. */
static void test_unrecorded_bodies(void **state) {
    (void)state;
    har_reader *r;
    rae_err err;
    assert_int_equal(
        har_reader_open(RAE_SOURCE_DIR "/tests/unit/data/unrecorded_body.har", &r, &err), 0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);
    assert_int_equal(m->n_calls, 10);

    /* a multipart POST without postData (bodySize 0, Content-Length 319) */
    assert_string_equal(m->calls[2].body_missing, PLAYWRIGHT_NO_POSTDATA);
    const eng_endpoint *upload = find(m, "POST", "/api/albums/{album_id}/files");
    assert_ptr_equal(endpoint_of(m, 2), upload);
    assert_int_equal(upload->body_kind, ENG_BODY_MULTIPART);
    assert_string_equal(upload->body_mime, "multipart/form-data");
    assert_true(upload->body_raw);
    assert_int_equal(upload->bodies_missing, 1);
    /* its path parameter still flows from the album's creation */
    assert_int_equal(m->calls[2].n_args, 1);
    assert_int_equal(m->calls[2].args[0].src.kind, ENG_SRC_JSON);
    assert_int_equal(m->calls[2].args[0].src.call, 1);
    /* a JSON POST without postData (bodySize 52, no Content-Length) */
    assert_string_equal(m->calls[4].body_missing, PLAYWRIGHT_NO_POSTDATA);
    assert_int_equal(endpoint_of(m, 4)->body_kind, ENG_BODY_JSON);
    assert_true(endpoint_of(m, 4)->body_raw);
    /* an empty postData that says why, on a body of no known type */
    assert_string_equal(m->calls[5].body_missing,
                        "the HAR has no body for this request (recorded with an empty postData by "
                        "Playwright 1.64.1: the body was too large to keep)");
    assert_int_equal(endpoint_of(m, 5)->body_kind, ENG_BODY_TEXT);
    /* one upload with its body, one without: the arguments are the first one's */
    const eng_endpoint *avatar = find(m, "POST", "/api/avatars");
    assert_null(m->calls[6].body_missing);
    assert_string_equal(m->calls[7].body_missing, PLAYWRIGHT_NO_POSTDATA);
    assert_false(avatar->body_raw);
    assert_int_equal(avatar->samples, 2);
    assert_int_equal(avatar->bodies_missing, 1);
    assert_true(param((eng_endpoint *)avatar, "file")->file);
    assert_true(param((eng_endpoint *)avatar, "caption")->required); /* in every body seen */
    /* no body, and none missing: a Content-Length of 0, a DELETE with a Content-Type */
    assert_null(m->calls[8].body_missing);
    assert_null(m->calls[9].body_missing);
    assert_int_equal(endpoint_of(m, 8)->body_kind, ENG_BODY_NONE);

    buf py = BUF_INIT, replay = BUF_INIT;
    assert_int_equal(eng_gen_python(m, &(eng_options){0}, &py), 0);
    assert_int_equal(eng_gen_replay(m, &(eng_options){0}, &replay), 0);
    const char *c = buf_str(&py);
    assert_non_null(strstr(
        c, "def create_album_file(self, album_id: str, files: Any = None, data: Any = None)"));
    assert_non_null(strstr(c, "                          data=data, files=files,\n"));
    assert_non_null(strstr(c, "        Its body is unknown: the HAR has no body for this request "
                              "(recorded without postData by\n"));
    assert_non_null(strstr(c, "def create_album_note(self, album_id: str, body: Any = None)"));
    assert_non_null(strstr(c, "json_body=body"));
    assert_non_null(strstr(c, "def create_avatar(self, caption: str, file: Any) -> Any:"));
    assert_non_null(
        strstr(c, "        1 of the 2 captured calls had no body: the HAR has no body"));
    const char *rp = buf_str(&replay);
    assert_non_null(strstr(rp, "    skip(3, \"POST /api/albums/{album_id}/files\", "
                               "\"" PLAYWRIGHT_NO_POSTDATA "\")\n"));
    assert_non_null(strstr(rp, "file_id=json_get(results[3], \"id\")), needs=(3,))\n"));
    assert_non_null(strstr(rp, "    skip(8, \"POST /api/avatars\""));
    assert_non_null(strstr(rp, "client.create_avatar(caption=\"Me\""));
    assert_non_null(strstr(rp, "print(f\"{counts['passed']} passed, {counts['failed']} failed, "
                               "{counts['skipped']} skipped\")"));
    buf_free(&py);
    buf_free(&replay);
    eng_model_free(m);
}

/* A recorder's name goes into the docstrings and replay.py as text, never as code. */
static void test_unrecorded_body_reason_is_text(void **state) {
    (void)state;
    static const char har[] =
        "{\"log\":{\"creator\":{\"name\":\"x\\\"\\\"\\\"\\nexit(9)\\\\\",\"version\":\"1\"},"
        "\"entries\":[" ENTRY("POST", "https://a.example/api/files",
                              "{\"name\":\"Content-Type\",\"value\":\"multipart/form-data\"}", "",
                              201, "{}") "]}}";
    eng_model *m = analyze(har);
    assert_int_equal(m->n_calls, 1);
    assert_string_equal(m->calls[0].body_missing, "the HAR has no body for this request (recorded "
                                                  "without postData by x\"\"\"\nexit(9)\\ 1)");
    buf py = BUF_INIT, replay = BUF_INIT;
    assert_int_equal(eng_gen_python(m, &(eng_options){0}, &py), 0);
    assert_int_equal(eng_gen_replay(m, &(eng_options){0}, &replay), 0);
    assert_null(strstr(buf_str(&py), "x\"\"\""));
    assert_null(strstr(buf_str(&py), "\nexit(9)"));
    assert_non_null(strstr(buf_str(&py), "x\\\"\\\"\\\" exit(9)\\\\ 1)."));
    assert_non_null(strstr(buf_str(&replay), "by x\\\"\\\"\\\"\\nexit(9)\\\\ 1)\")\n"));
    buf_free(&py);
    buf_free(&replay);
    eng_model_free(m);

    /* a name cut at its 100 bytes inside a character stays UTF-8 (Python reads nothing else) */
    buf long_name = BUF_INIT;
    buf_puts(&long_name, "{\"log\":{\"creator\":{\"name\":\"x");
    for (int i = 0; i < 60; i++)
        buf_puts(&long_name, "\xc3\xa9");
    buf_puts(&long_name, "\"},\"entries\":[" ENTRY("POST", "https://a.example/api/files",
                                                   "{\"name\":\"Content-Length\",\"value\":\"9\"}",
                                                   "", 201, "{}") "]}}");
    m = analyze(buf_str(&long_name));
    const char *why = m->calls[0].body_missing;
    assert_non_null(why);
    assert_true(text_utf8_valid(why, strlen(why)));
    assert_non_null(strstr(why, "\xc3\xa9?)"));
    eng_model_free(m);
    buf_free(&long_name);
}

/* A sign-in whose body the HAR lacks: the client cannot get the token it answered, so the steps
 * that send it are skipped with it, not sent to fail. */
static void test_unrecorded_login_skips_its_users(void **state) {
    (void)state;
    static const char har[] =
        "{\"log\":{\"creator\":{\"name\":\"Playwright\",\"version\":\"1.64.1\"},\"entries\":["
        "{\"request\":{\"method\":\"POST\",\"url\":\"https://a.example/api/session\",\"headers\":["
        "{\"name\":\"Content-Type\",\"value\":\"application/json\"},"
        "{\"name\":\"Content-Length\",\"value\":\"41\"}]},"
        "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\","
        "\"text\":\"{\\\"token\\\":\\\"tok_1f2e3d4c5b6a7980\\\"}\"}},\"_resourceType\":\"fetch\"},"
        "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.example/api/me\",\"headers\":["
        "{\"name\":\"Authorization\",\"value\":\"Bearer tok_1f2e3d4c5b6a7980\"}]},"
        "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\","
        "\"text\":\"{\\\"name\\\":\\\"ada\\\"}\"}},\"_resourceType\":\"fetch\"},"
        "{\"request\":{\"method\":\"GET\",\"url\":\"https://a.example/api/status\",\"headers\":[]},"
        "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\","
        "\"text\":\"{\\\"up\\\":true}\"}},\"_resourceType\":\"fetch\"}]}}";
    eng_model *m = analyze(har);
    assert_int_equal(m->n_calls, 3);
    assert_non_null(m->calls[0].body_missing);
    assert_int_equal(m->n_session, 1);
    assert_ptr_equal(m->session[0].producer, m->calls[0].ep);
    buf replay = BUF_INIT;
    assert_int_equal(eng_gen_replay(m, &(eng_options){0}, &replay), 0);
    assert_non_null(strstr(buf_str(&replay), "    skip(1, \"POST /api/session\", "));
    assert_non_null(strstr(buf_str(&replay), "lambda: client.get_me(), needs=(1,))\n"));
    assert_non_null(strstr(buf_str(&replay), "lambda: client.get_status())\n"));
    buf_free(&replay);
    eng_model_free(m);
}

static const eng_call *call_of(const eng_model *m, const char *method, const char *path, int n) {
    for (size_t i = 0; i < m->n_calls; i++)
        if (strcmp(m->calls[i].ep->method, method) == 0 &&
            strcmp(m->calls[i].ep->path, path) == 0 && n-- == 0)
            return &m->calls[i];
    return NULL;
}

static const eng_arg *arg_of(const eng_call *c, const char *name) {
    for (size_t i = 0; c && i < c->n_args; i++)
        if (c->args[i].param && strcmp(c->args[i].param->name, name) == 0) return &c->args[i];
    return NULL;
}

/* tests/unit/data/spa_patterns.har: the session patterns of a single-page app (issue #15). */
static void test_spa_patterns(void **state) {
    (void)state;
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open(RAE_SOURCE_DIR "/tests/unit/data/spa_patterns.har", &r, &err),
                     0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);

    /* 1. The bearer token: the login gives it, the refresh renews it and is its refresh; the
     * refresh token is a session value too, rotated by the refresh. The 401 was retried. */
    const eng_session_value *token = session(m, "Authorization");
    assert_non_null(token);
    assert_string_equal(token->producer->op_name, "login");
    assert_non_null(token->refresh);
    assert_string_equal(token->refresh->path, "/api/auth/refresh");
    assert_int_equal(token->n_renewers, 1);
    assert_string_equal(token->renewers[0].src.path, "access_token");
    const eng_session_value *rt = session(m, "refresh_token");
    assert_non_null(rt);
    assert_true(rt->is_refresh);
    assert_int_equal(rt->use, ENG_USE_BODY);
    assert_string_equal(rt->producer->op_name, "login");
    assert_int_equal(rt->n_renewers, 1);
    const eng_call *expired = call_of(m, "GET", "/api/me", 0);
    assert_int_equal(expired->status, 401);
    assert_true(expired->retried);
    assert_false(call_of(m, "GET", "/api/me", 1)->retried);

    /* 2. The XSRF header comes from the cookie, first set by the page: the sign-in sent the
     * page's value and rotated it, so it renews the value and cannot be where it comes from. */
    const eng_session_value *xsrf = session(m, "X-XSRF-TOKEN");
    assert_non_null(xsrf);
    assert_int_equal(xsrf->src.kind, ENG_SRC_COOKIE);
    assert_string_equal(xsrf->producer->path, "/");
    assert_int_equal(xsrf->n_renewers, 1);
    assert_string_equal(xsrf->renewers[0].ep->op_name, "login");

    /* 3. Link header pagination: the cursor of page 2 is the next link's page[cursor]. */
    const eng_endpoint *list = find(m, "GET", "/api/tasks");
    assert_int_equal(list->page.style, ENG_PAGE_LINK_HEADER);
    assert_string_equal(list->page.param, "page[cursor]");
    assert_string_equal(list->page.next_path, "next");
    const eng_arg *cursor = arg_of(call_of(m, "GET", "/api/tasks", 1), "page[cursor]");
    assert_int_equal(cursor->src.kind, ENG_SRC_LINK);
    assert_string_equal(cursor->src.key, "page[cursor]");

    /* 4. If-Match with the ETag of the GET; 6. both patch types, each call with its own. */
    const eng_endpoint *patch = find(m, "PATCH", "/api/tasks/{task_id}");
    assert_non_null(patch);
    assert_true(patch->if_match);
    assert_string_equal(patch->body_mime, "application/merge-patch+json");
    assert_true(patch->body_mime_varies);
    assert_string_equal(call_of(m, "PATCH", "/api/tasks/{task_id}", 1)->body_mime,
                        "application/json-patch+json");
    assert_int_equal(find(m, "POST", "/api/notes")->body_kind, ENG_BODY_FORM);

    /* 5. A persisted query is one operation, with its hash; its variable flows. */
    const eng_endpoint *stats = find(m, "POST", "/graphql");
    assert_string_equal(stats->graphql_op, "TaskStats");
    assert_null(stats->graphql_query);
    assert_string_equal(stats->graphql_hash,
                        "5f8d3c2b1a0e9f8d7c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c");
    assert_int_equal(arg_of(call_of(m, "POST", "/graphql", 0), "taskId")->src.kind, ENG_SRC_JSON);

    /* 7. "open" was in the list too, but a status is no id: it is the caller's, not a flow. */
    const eng_call *create = call_of(m, "POST", "/api/tasks", 0);
    assert_non_null(arg_of(create, "status"));
    assert_int_equal(arg_of(create, "status")->src.kind, ENG_SRC_NONE);
    assert_int_equal(arg_of(create, "priority")->src.kind, ENG_SRC_NONE);
    assert_int_equal(arg_of(call_of(m, "POST", "/api/notes", 0), "task_id")->src.kind,
                     ENG_SRC_JSON);
    eng_model_free(m);
}

/* tests/unit/data/multi_origin.har: a page, an API and a sign-in server on three origins; the
 * page names the other two (issue #16). */
static void test_origins(void **state) {
    (void)state;
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open(RAE_SOURCE_DIR "/tests/unit/data/multi_origin.har", &r, &err),
                     0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);
    /* The page's origin is the primary (replay.py --base-url takes it), though the API got more
     * calls; the others are named by the page's configuration keys. */
    assert_int_equal(m->n_origins, 3);
    assert_string_equal(m->base_url, "http://127.0.0.1:5001");
    assert_string_equal(m->origins[0].role, "base");
    const eng_origin *auth = &m->origins[1], *api = &m->origins[2];
    assert_string_equal(auth->role, "auth");
    assert_string_equal(auth->env_name, "RAE_AUTH_URL");
    assert_int_equal(auth->config.kind, ENG_SRC_HTML_META);
    assert_string_equal(api->role, "api");
    assert_int_equal(api->config.kind, ENG_SRC_HTML_SCRIPT);
    assert_string_equal(api->config.path, "apiBase");
    assert_string_equal(m->calls[api->config.call].ep->path, "/");
    /* The API demands its vendor Accept and version on every call; a request id that changes
     * with each call is not one of them. */
    assert_int_equal(api->n_headers, 2);
    assert_string_equal(api->headers[0], "Accept");
    assert_string_equal(api->headers[1], "application/vnd.example.v2+json");
    assert_string_equal(api->headers[2], "X-Api-Version");
    assert_int_equal(auth->n_headers, 0);
    /* ... but values made fresh for each request, by kind: UUIDs, a time, a nonce; and the
     * signature is reproduced: HMAC-SHA256 with the session's key over the method, the path, the
     * timestamp and the body's hash. */
    assert_int_equal(m->n_fresh, 4);
    assert_string_equal(m->fresh[0].name, "X-Request-Id");
    assert_int_equal(m->fresh[0].kind, ENG_FRESH_UUID);
    assert_int_equal(m->fresh[1].kind, ENG_FRESH_UNIX);
    assert_int_equal(m->fresh[2].kind, ENG_FRESH_NONCE);
    assert_int_equal(m->fresh[3].kind, ENG_FRESH_UUID);
    assert_true(m->signature.reproduced);
    assert_string_equal(m->signature.header, "X-Signature");
    assert_string_equal(m->signature.parts, "method,path,header:X-Timestamp,body_sha256");
    assert_string_equal(m->signature.sep, "\n");
    assert_string_equal(m->signature.encoding, "hex");
    assert_string_equal(m->signature.producer->path, "/v2/session");
    assert_string_equal(m->signature.key.path, "signing_key");
    assert_true(find(m, "POST", "/v2/invoices")->is_signed);
    assert_int_equal(find(m, "GET", "/v2/invoices")->n_fresh, 1);
    assert_int_equal(find(m, "POST", "/token")->n_fresh, 0);
    /* An action on one thing, and a binary answer. */
    assert_non_null(find(m, "POST", "/v2/invoices/{invoice_id}/send"));
    assert_string_equal(find(m, "POST", "/v2/invoices/{invoice_id}/send")->op_name, "send_invoice");
    assert_string_equal(call_of(m, "GET", "/v2/invoices/{invoice_id}/pdf", 0)->resp_mime,
                        "application/pdf");
    eng_model_free(m);
}

/* The model of the HAR at path (caller frees with eng_model_free). */
static eng_model *analyzed(const char *path) {
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open(path, &r, &err), 0);
    eng_options o = eng_options_default();
    eng_model *m;
    assert_int_equal(eng_analyze(r, &o, &m, &err), 0);
    har_reader_free(r);
    return m;
}

/* tests/fixtures/multi_origin/recorded.har, as rae capture recorded the fixture: an OAuth 2.0
 * sign-in with PKCE through the identity provider's form, on the third origin (issue #16). */
static void test_oauth(void **state) {
    (void)state;
    eng_model *m = analyzed(RAE_SOURCE_DIR "/tests/fixtures/multi_origin/recorded.har");
    const eng_oauth *oa = &m->oauth;
    assert_non_null(oa->authorize);
    assert_string_equal(oa->authorize->path, "/oauth/authorize");
    assert_string_equal(oa->token->path, "/oauth/token");
    assert_string_equal(oa->pkce, "S256");
    assert_string_equal(oa->code->name, "code");
    /* A new state and PKCE pair for each sign-in; the code from the login's redirect; the client
     * id and redirect URI from the page's configuration. */
    const eng_call *authorize = &m->calls[oa->authorize_call], *token = &m->calls[oa->back_call];
    assert_int_equal(arg_of(authorize, "state")->param->made, ENG_MADE_STATE);
    assert_int_equal(arg_of(authorize, "code_challenge")->param->made, ENG_MADE_CHALLENGE);
    assert_int_equal(arg_of(authorize, "response_type")->param->made, ENG_MADE_NONE);
    assert_int_equal(arg_of(token, "code_verifier")->param->made, ENG_MADE_VERIFIER);
    const eng_arg *code = arg_of(token, "code");
    assert_int_equal(code->src.kind, ENG_SRC_LOCATION);
    assert_string_equal(code->src.key, "code");
    assert_string_equal(m->calls[code->src.call].ep->path, "/oauth/login");
    const eng_param *client_id = arg_of(token, "client_id")->param;
    assert_int_equal(client_id->config.kind, ENG_SRC_HTML_SCRIPT);
    assert_string_equal(client_id->config.path, "clientId");
    assert_string_equal(m->calls[client_id->config.call].ep->path, "/");
    assert_int_equal(arg_of(token, "redirect_uri")->param->config.kind, ENG_SRC_HTML_SCRIPT);
    /* The token endpoint both gives the tokens (by sign_in()) and refreshes them. */
    const eng_session_value *bearer = NULL;
    for (size_t i = 0; i < m->n_session; i++)
        if (m->session[i].use == ENG_USE_BEARER) bearer = &m->session[i];
    assert_non_null(bearer);
    assert_true(bearer->signs_in);
    assert_ptr_equal(bearer->refresh, oa->token);
    /* "refresh_token" of the metadata's grant_types_supported is a look-alike, not a flow. */
    const eng_call *revoke = call_of(m, "POST", "/oauth/revoke", 0);
    assert_int_equal(arg_of(revoke, "token_type_hint")->src.kind, ENG_SRC_NONE);
    /* The send refused for an expired token, and the page's retry: one logical call. */
    assert_true(call_of(m, "POST", "/api/invoices/{invoice_id}/send", 0)->retried);
    assert_true(call_of(m, "POST", "/api/invoices/{invoice_id}/send", 1)->again);
    /* The API's own headers, and the PDF's Accept besides; a request id is made per call. */
    const eng_origin *api = NULL;
    for (size_t i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].role, "api") == 0) api = &m->origins[i];
    assert_non_null(api);
    assert_int_equal(api->n_headers, 2);
    assert_string_equal(api->headers[1], "application/vnd.example.v2+json");
    const eng_endpoint *pdf = find(m, "GET", "/api/invoices/{invoice_id}/pdf");
    assert_int_equal(pdf->n_headers, 1);
    assert_string_equal(pdf->headers[0], "Accept");
    assert_string_equal(pdf->headers[1], "application/pdf, application/vnd.example.v2+json");
    assert_int_equal(find(m, "GET", "/api/session")->n_headers, 0);
    eng_model_free(m);
}

/* tests/fixtures/bff_signin/recorded.har: a sign-in whose code the page's server redeems, and an
 * identity provider named by nothing but a redirect (issue #16). */
static void test_oauth_by_server(void **state) {
    (void)state;
    eng_model *m = analyzed(RAE_SOURCE_DIR "/tests/fixtures/bff_signin/recorded.har");
    /* sign_in() starts at the page that redirects to the provider; the page's server redeems */
    const eng_oauth *oa = &m->oauth;
    assert_non_null(oa->authorize);
    assert_string_equal(oa->start->path, "/login");
    assert_string_equal(oa->authorize->path, "/authorize");
    assert_null(oa->token);
    assert_string_equal(oa->callback->path, "/auth/callback");
    /* the page's server drew the state: it comes from the redirect, not made by the client */
    const eng_call *authorize = &m->calls[oa->authorize_call];
    assert_int_equal(arg_of(authorize, "state")->param->made, ENG_MADE_NONE);
    assert_int_equal(arg_of(authorize, "state")->src.kind, ENG_SRC_LOCATION);
    /* the provider's origin is found from that redirect, and named for what it does */
    assert_int_equal(m->n_origins, 2);
    assert_string_equal(m->origins[0].url, oa->start->origin);
    assert_string_equal(m->origins[1].role, "auth");
    assert_int_equal(m->origins[1].config.kind, ENG_SRC_LOCATION);
    assert_string_equal(m->calls[m->origins[1].config.call].ep->path, "/login");
    /* the page's first question, before it signed in, went without the session */
    assert_string_equal(m->calls[0].ep->path, "/api/me");
    assert_int_equal(m->calls[0].status, 401);
    assert_true(m->calls[0].bare);
    assert_false(call_of(m, "GET", "/api/me", 1)->bare);
    eng_model_free(m);
}

/* ---- the templates' holes (pytemplate.c) ---- */

/* Fills the template with values in a child; what it wrote on stderr, and whether it aborted. */
static int fill_in_child(const char *tpl, const eng_value *values, char *said, size_t n) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 2);
        buf out = BUF_INIT;
        eng_template_fill(&out, tpl, values);
        _exit(0);
    }
    close(p[1]);
    ssize_t got = read(p[0], said, n - 1);
    said[got > 0 ? got : 0] = 0;
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void test_template_holes(void **state) {
    (void)state;
    buf out = BUF_INIT;
    ENG_FILL(&out, "iterator.py", {"name", "list_notes"}, {"params", ""}, {"method", "GET"},
             {"path", "/api/notes"}, {"style", "page-number"}, {"param", "page"},
             {"param_literal", "\"page\""}, {"first", "1"}, {"args", "page=position"},
             {"items_path", ""}, {"link_header", ""}, {"next_link", ""}, {"next_path", "None"},
             {"by_page", "1"}, {"by_offset", ""}, {"limit", ""});
    assert_non_null(strstr(buf_str(&out), "def iter_list_notes(self) -> Iterator[Any]:"));
    assert_null(strstr(buf_str(&out), "{{"));
    buf_free(&out);
    char said[512];
    /* a hole without a value, a value without a hole, a missing template: rae's own bugs */
    assert_true(fill_in_child("iterator.py", (const eng_value[]){{"name", "x"}, {NULL, NULL}}, said,
                              sizeof said));
    assert_non_null(strstr(said, "the template iterator.py is used wrong"));
    assert_true(fill_in_child("prelude.py", (const eng_value[]){{"nothing", "x"}, {NULL, NULL}},
                              said, sizeof said));
    assert_non_null(strstr(said, "{{nothing}}"));
    assert_true(fill_in_child("no-such.py", (const eng_value[]){{NULL, NULL}}, said, sizeof said));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints_and_names),
        cmocka_unit_test(test_session_flows_and_pagination),
        cmocka_unit_test(test_outputs_generate),
        cmocka_unit_test(test_segment_kinds_and_names),
        cmocka_unit_test(test_schema_merge),
        cmocka_unit_test(test_cookie_session_producers_and_files),
        cmocka_unit_test(test_graphql_operations),
        cmocka_unit_test(test_unrecorded_bodies),
        cmocka_unit_test(test_unrecorded_body_reason_is_text),
        cmocka_unit_test(test_unrecorded_login_skips_its_users),
        cmocka_unit_test(test_spa_patterns),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_oauth),
        cmocka_unit_test(test_oauth_by_server),
        cmocka_unit_test(test_template_holes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

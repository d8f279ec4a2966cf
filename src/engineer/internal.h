/* Internal to src/engineer: the pieces of the analysis and the code generators. */
#ifndef RAE_ENGINEER_INTERNAL_H
#define RAE_ENGINEER_INTERNAL_H

#include "rae/engineer.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/map.h"

/* ---- schema.c ---- */
eng_schema *eng_schema_new(arena *a);
/* Merges one JSON value into s. */
void eng_schema_add(arena *a, eng_schema *s, jv *v);
/* Merges a scalar given as text (query and form values): typed as int/number/bool/string. */
void eng_schema_add_text(arena *a, eng_schema *s, const char *text);
/* Merges src into dst. */
void eng_schema_merge(arena *a, eng_schema *dst, const eng_schema *src);
/* The schema at a dotted path ("items[0].id" or "items[].id"), or NULL. */
const eng_schema *eng_schema_at(const eng_schema *s, const char *path);
/* Appends the JSON Schema of s (OpenAPI 3.1) as JSON text. */
void eng_schema_json(const eng_schema *s, buf *out);
/* The Python annotation of s: "str", "int", "List[Dict[str, Any]]", "Optional[str]"... */
const char *eng_schema_py(const eng_schema *s, arena *a);
/* The name of the first array-of-objects property of an object schema, or NULL. */
const char *eng_schema_items_field(const eng_schema *s);

/* ---- ident.c: recognising ids and making names ---- */
typedef enum seg_kind { SEG_LITERAL, SEG_INT, SEG_UUID, SEG_HEX, SEG_DATE, SEG_TOKEN } seg_kind;
seg_kind eng_segment_kind(const char *s);
/* snake_case Python identifier made from any text (never a keyword, never empty). */
char *eng_py_ident(arena *a, const char *text);
/* "notes" -> "note", "categories" -> "category", "status" stays. */
char *eng_singular(arena *a, const char *word);
/* Name tests over wire names (case-insensitive). */
int eng_is_id_key(const char *key);
/* An id or a name that identifies a thing (name, handle, username, code, sku). */
int eng_is_ref_key(const char *key);
int eng_is_csrf_name(const char *name);
int eng_is_apikey_name(const char *name);
int eng_is_password_name(const char *name);
int eng_is_username_name(const char *name);
/* A header a browser adds by itself (User-Agent, Accept-*, Sec-*, ...). */
int eng_is_browser_header(const char *name);
/* A string that looks like a random secret or id (long, mixed letters and digits). */
int eng_looks_random(const char *s);

/* ---- codegen ---- */
int eng_gen_python(const eng_model *m, const eng_options *o, buf *out);
int eng_gen_replay(const eng_model *m, const eng_options *o, buf *out);
int eng_gen_openapi(const eng_model *m, const eng_options *o, buf *out);
int eng_gen_readme(const eng_model *m, const eng_options *o, buf *out);
/* model.json: the API model as compact data (gen_model.c). */
int eng_gen_model(const eng_model *m, const eng_options *o, buf *out);
int eng_gen_env(const eng_model *m, const eng_options *o, buf *out);

/* The names of a parameter's place ("path", "query", "header", "body") and of how a session
 * value is sent ("bearer", "header", "query", "body", "cookie"), as the generated files say them
 * (gen_docs.c). */
const char *eng_where_name(eng_where w);
const char *eng_use_name(eng_session_use u);

/* Python literals. Text from the HAR (a site's, or an attacker's) reaches the generated code
 * only through these: it can never end a string, a docstring or a line. */
void eng_py_str(buf *out, const char *s);
/* Appends the template src/engineer/py/NAME (built into rae) to out, its holes filled with
 * values (the holes: pytemplate.c), up to one of name NULL. ENG_FILL(out, "NAME.py", {"name",
 * value}, ...) ends the list; eng_template fills none. */
typedef struct eng_value {
    const char *name, *value;
} eng_value;
void eng_template_fill(buf *out, const char *name, const eng_value *values);
#define ENG_FILL(out, name, ...)                                                                   \
    eng_template_fill((out), (name), (const eng_value[]){__VA_ARGS__, {NULL, NULL}})
void eng_template(buf *out, const char *name);
/* s as text inside a docstring or a comment: quotes and backslashes escaped, control characters
 * (line breaks) as spaces. */
void eng_py_doc(buf *out, const char *s);
/* eng_py_str's and eng_py_doc's text in a string of a (a value for a template's hole). */
const char *eng_py_str_a(arena *a, const char *s);
const char *eng_py_doc_a(arena *a, const char *s);
/* s inside an f-string literal: as eng_py_str's inside, and braces doubled. */
void eng_py_fstr_text(buf *out, const char *s);
/* "api.get_note(note_id=\"...\")": a call of the operation with captured example values. */
void eng_py_example(const eng_endpoint *ep, buf *out);
/* The name of a method argument that is not a parameter of the site's ("body", "if_match"):
 * `name`, with "_" added while a parameter has it. */
const char *eng_py_raw_arg(const eng_endpoint *ep, const char *name, arena *a);
/* The origin of an endpoint (m->origins[0] is the primary), or NULL. */
const eng_origin *eng_origin_of(const eng_model *m, const eng_endpoint *ep);
/* A parameter the client fills when not given: a credential, a value it makes (a sign-in's
 * state or PKCE pair), a setting of a page's configuration. */
int eng_param_defaulted(const eng_param *p);
/* Worth showing in usage examples: not an HTML page, not the login (the client signs in). */
int eng_is_usage_example(const eng_endpoint *ep);
/* A Python expression for JSON text (dicts, lists, True/False/None). */
void eng_py_json(buf *out, const char *json, arena *a);

#endif

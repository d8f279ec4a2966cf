/* jv: a fast JSON reader into an arena, for outside input (HAR files and the bodies inside them).
 *
 * Structure is parsed strictly (brackets, separators, literals, number syntax); string contents
 * are not decoded until asked for, so the megabytes of asset bodies in a HAR are only scanned with
 * memchr, never copied. Decoding is lenient: invalid escapes, lone surrogates and invalid UTF-8
 * become U+FFFD. Every node lives in the arena given to jv_parse. jansson builds the JSON that rae
 * writes; jv_dump_jansson writes it out fast where bodies are large (the capture journal). */
#ifndef RAE_UTIL_JSON_H
#define RAE_UTIL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "rae/arena.h"

typedef enum jv_type {
    JV_NULL,
    JV_FALSE,
    JV_TRUE,
    JV_NUMBER,
    JV_STRING,
    JV_ARRAY,
    JV_OBJECT
} jv_type;

typedef struct jv jv;
typedef struct jv_member {
    const char *key; /* decoded; NUL-terminated only once jv_key() was called: use klen */
    size_t klen;
    jv *value;
    int terminated;
} jv_member;

struct jv {
    jv_type type;
    int decoded;        /* string: s/len hold the decoded text */
    const char *s;      /* string: raw text between the quotes (or decoded); number: its text */
    size_t len;         /* string/number: bytes of s; array/object: element count */
    jv **items;         /* array */
    jv_member *members; /* object, in document order */
};

typedef struct jv_error {
    const char *message; /* static text */
    size_t offset;       /* byte offset of the problem in the input */
} jv_error;

#define JV_MAX_DEPTH 512

/* Parses one value at s[0..n) (leading and trailing whitespace allowed). With end != NULL,
 * parsing stops after the value and *end gets its length; otherwise trailing data is an error.
 * Returns NULL with err filled on malformed input. */
jv *jv_parse(arena *a, const char *s, size_t n, size_t *end, jv_error *err);

/* The member's key as a C string (copied into a on first use). */
const char *jv_key(jv_member *m, arena *a);
/* The member of an object (NULL when absent or v is not an object). Keys compare bytewise. */
jv *jv_get(const jv *v, const char *key);
/* The decoded string (NUL-terminated, may contain NUL when *len says so), decoded into a on first
 * use; NULL when v is not a string. len may be NULL. */
const char *jv_str(jv *v, arena *a, size_t *len);
/* The number's value (0 for non-numbers); jv_is_int tells whether it is written as an integer. */
double jv_num(const jv *v);
int jv_is_int(const jv *v);
/* The raw JSON text of a number ("" otherwise), NUL-terminated in a. */
const char *jv_num_text(const jv *v, arena *a);

static inline int jv_is(const jv *v, jv_type t) {
    return v && v->type == t;
}

/* Writes v as compact JSON into out (growable, caller frees with buf_free). */
struct buf;
void jv_dump(jv *v, arena *a, struct buf *out);

/* Writes the jansson value v as compact JSON onto out, keys in insertion order, reals with
 * `precision` significant digits (0: 17): the same text as json_dumps with JSON_COMPACT, written
 * several times faster for large strings. -1 (out partly written) for a non-finite real. */
int jv_dump_jansson(const json_t *v, int precision, struct buf *out);

/* Re-indents valid compact JSON text (two spaces a level) onto out. */
void jv_pretty(const char *json, size_t n, struct buf *out);

#endif

/* jv: a fast JSON reader into an arena, for outside input (HAR files and the bodies inside them).
 *
 * Structure is parsed strictly (brackets, separators, literals, number syntax); string contents
 * are not decoded until asked for, so the megabytes of asset bodies in a HAR are only scanned with
 * memchr, never copied. Decoding is lenient: invalid escapes, lone surrogates and invalid UTF-8
 * become U+FFFD, and raw control characters are kept (jv_text_check_raw tells what strict JSON
 * says of the raw text). Every node lives in the arena given to jv_parse. jansson builds the JSON
 * that rae writes; jv_dump_jansson writes it out fast where bodies are large (the capture
 * journal). */
#ifndef RAE_UTIL_JSON_H
#define RAE_UTIL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "rae/arena.h"
#include "rae/err.h"

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
    const char *raw; /* the key as written between its quotes (escapes undecoded), in the input */
    size_t raw_len;
} jv_member;

struct jv {
    jv_type type;
    int decoded;        /* string: s/len hold the decoded text */
    const char *s;      /* string: raw text between the quotes (or decoded); number: its text */
    size_t len;         /* string/number: bytes of s; array/object: element count */
    jv **items;         /* array */
    jv_member *members; /* object, in document order */
};

#define JV_MAX_DEPTH 512

/* Parses one value at s[0..n) (leading and trailing whitespace allowed). With end != NULL,
 * parsing stops after the value and *end gets its length; otherwise trailing data is an error.
 * Returns NULL with err filled on malformed input (RAE_E_INVALID, at.offset the byte offset of the
 * problem in s; err may be NULL). */
jv *jv_parse(arena *a, const char *s, size_t n, size_t *end, rae_err *err);

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

/* What the strict rules of RFC 8259 say of a string's raw text (between its quotes), which the
 * lenient decoding above repairs silently. */
typedef enum jv_text_issue {
    JV_TEXT_BAD_UTF8,   /* bytes that are not UTF-8 (RFC 3629): see jv_utf8_invalid */
    JV_TEXT_CONTROL,    /* a raw control character U+0000..U+001F: JSON requires an escape */
    JV_TEXT_BAD_ESCAPE, /* a backslash not followed by one of "\/bfnrt or by u and 4 hex digits */
    JV_TEXT_LONE_SURROGATE, /* \uD800..\uDFFF outside a high-low pair: valid JSON, not Unicode */
    JV_TEXT_ISSUES
} jv_text_issue;

typedef struct jv_text_check {
    size_t count[JV_TEXT_ISSUES]; /* occurrences (an invalid UTF-8 sequence counts once) */
    size_t first[JV_TEXT_ISSUES]; /* offset in the text of the first occurrence (when counted) */
} jv_text_check;

/* Checks the raw text s[0..n) of a JSON string (between its quotes, escapes undecoded): fills
 * out and returns the number of occurrences of all issues (0: strict JSON text). Plain ASCII is
 * checked 16 bytes at a time. */
size_t jv_text_check_raw(const char *s, size_t n, jv_text_check *out);
/* Why the bytes at s[0..n) do not start a valid UTF-8 sequence (s[0] >= 0x80 and not the start of
 * one): a static reason; *len gets the length of the invalid sequence (at least 1). */
const char *jv_utf8_invalid(const char *s, size_t n, size_t *len);

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

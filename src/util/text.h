/* text: checks and encodings of byte strings (UTF-8 validity, base64). */
#ifndef RAE_UTIL_TEXT_H
#define RAE_UTIL_TEXT_H

#include <stddef.h>

#include "rae/arena.h"

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates), else 0. */
int text_utf8_valid(const char *s, size_t n);
/* snake_case as camelCase into out ("har_path" -> "harPath"), cut at n - 1 bytes. */
void text_camel(const char *snake, char *out, size_t n);
/* The value of hex digit c (either case), or -1. */
int text_hex_digit(char c);
/* Replaces, in place, each byte of s that is not part of well-formed UTF-8 with '?' (a message
 * that quotes a file name or a path given by a client stays a JSON string). Returns how many. */
size_t text_utf8_scrub(char *s);
/* Standard base64 (with padding) of s[0..n), NUL-terminated, allocated from a. */
char *text_base64(arena *a, const char *s, size_t n);

/* Decodes base64 (standard or URL alphabet; padding, spaces and line breaks ignored) into a
 * NUL-terminated buffer from a; *len gets its length. NULL on a character outside base64. */
char *text_unbase64(arena *a, const char *s, size_t n, size_t *len);
/* The number of bytes that the well-formed base64 s[0..n) decodes to. */
size_t text_base64_len(const char *s, size_t n);

#endif

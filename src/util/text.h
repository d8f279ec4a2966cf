/* text: checks and encodings of byte strings (UTF-8 validity, base64). */
#ifndef RAE_UTIL_TEXT_H
#define RAE_UTIL_TEXT_H

#include <stddef.h>

#include "rae/arena.h"

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates), else 0. */
int text_utf8_valid(const char *s, size_t n);
/* Standard base64 (with padding) of s[0..n), NUL-terminated, allocated from a. */
char *text_base64(arena *a, const char *s, size_t n);

#endif

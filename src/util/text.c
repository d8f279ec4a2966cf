#include "util/text.h"

#include <string.h>

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 when it is not well-formed. */
static size_t sequence_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xC2 && c <= 0xDF ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && s[1] > 0x9F) return 0; /* surrogate */
    if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && s[1] > 0x8F) return 0; /* beyond U+10FFFF */
    return len;
}

int text_utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = sequence_len(p + i, n - i);
        if (!len) return 0;
        i += len;
    }
    return 1;
}

size_t text_utf8_scrub(char *s) {
    size_t n = strlen(s), bad = 0;
    unsigned char *p = (unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = sequence_len(p + i, n - i);
        if (len) {
            i += len;
        } else {
            p[i++] = '?';
            bad++;
        }
    }
    return bad;
}

char *text_base64(arena *a, const char *s, size_t n) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    char *out = arena_alloc(a, (n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        *o++ = digits[v >> 18 & 63];
        *o++ = digits[v >> 12 & 63];
        *o++ = i + 1 < n ? digits[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? digits[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *text_unbase64(arena *a, const char *s, size_t n, size_t *len) {
    enum { SKIP = 64, BAD = 65 };
    unsigned char val[256]; /* both alphabets; '=' and line breaks skipped */
    memset(val, BAD, sizeof val);
    for (int i = 0; i < 26; i++)
        val['A' + i] = (unsigned char)i, val['a' + i] = (unsigned char)(26 + i);
    for (int i = 0; i < 10; i++)
        val['0' + i] = (unsigned char)(52 + i);
    val['+'] = val['-'] = 62;
    val['/'] = val['_'] = 63;
    val['='] = val['\n'] = val['\r'] = val[' '] = SKIP;
    char *out = arena_alloc(a, n / 4 * 3 + 4);
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    *len = 0;
    for (; i + 4 <= n; i += 4) { /* the common case: four digits, three bytes */
        unsigned v0 = val[p[i]], v1 = val[p[i + 1]], v2 = val[p[i + 2]], v3 = val[p[i + 3]];
        if ((v0 | v1 | v2 | v3) >= SKIP) break;
        unsigned v = v0 << 18 | v1 << 12 | v2 << 6 | v3;
        out[o++] = (char)(v >> 16);
        out[o++] = (char)(v >> 8 & 0xFF);
        out[o++] = (char)(v & 0xFF);
    }
    unsigned acc = 0;
    int bits = 0;
    for (; i < n; i++) { /* the rest: padding, line breaks */
        unsigned v = val[p[i]];
        if (v == SKIP) continue;
        if (v == BAD) return NULL;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

size_t text_base64_len(const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '=' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

int text_hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void text_camel(const char *snake, char *out, size_t n) {
    size_t k = 0;
    for (const char *p = snake; *p && k + 1 < n; p++) {
        if (*p == '_' && p[1] && k > 0) {
            p++;
            out[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        } else {
            out[k++] = *p;
        }
    }
    if (n) out[k] = '\0';
}

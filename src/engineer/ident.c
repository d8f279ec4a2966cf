/* Recognising ids in paths and values, classifying wire names, and making Python names. */
#include "engineer/internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int is_hex(char c) {
    return isxdigit((unsigned char)c) != 0;
}

static int uuid_shape(const char *s) {
    static const int dashes[] = {8, 13, 18, 23};
    if (strlen(s) != 36) return 0;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dashes[d]) {
            if (s[i] != '-') return 0;
            d++;
        } else if (!is_hex(s[i])) {
            return 0;
        }
    }
    return 1;
}

seg_kind eng_segment_kind(const char *s) {
    size_t n = strlen(s), digits = 0, alpha = 0, hex = 0, other = 0;
    if (n == 0) return SEG_LITERAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c))
            digits++;
        else if (isalpha(c))
            alpha++;
        else
            other++;
        hex += is_hex((char)c);
    }
    if (digits == n && n <= 19) return SEG_INT;
    if (uuid_shape(s)) return SEG_UUID;
    if (n == 10 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' && digits == 8)
        return SEG_DATE;
    if (hex == n && n >= 8 && digits > 0 && alpha > 0) return SEG_HEX;
    if (hex == n && n >= 16 && digits > 0) return SEG_HEX;
    /* Opaque tokens: base64/base64url ids, ULIDs, Mongo ids with a prefix... */
    if (n >= 16 && other <= 2 && digits >= 2 && alpha >= 4 && !strchr(s, '.')) {
        size_t dash = 0;
        for (size_t i = 0; i < n; i++)
            dash += s[i] == '-';
        if (dash <= 2) return SEG_TOKEN;
    }
    return SEG_LITERAL;
}

static const char *const py_keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",    "self",
    "type",  "id",       "json",  "print",  "list", "dict",   "str",    "int",      "match",
};

char *eng_py_ident(arena *a, const char *text) {
    size_t n = strlen(text);
    char *out = arena_alloc(a, n * 2 + 8), *o = out;
    int prev_us = 1, prev_lower = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c)) {
            /* camelCase -> camel_case */
            if (isupper(c) && prev_lower && !prev_us) *o++ = '_';
            *o++ = (char)tolower(c);
            prev_us = 0;
            prev_lower = islower(c) || isdigit(c);
        } else if (!prev_us) {
            *o++ = '_';
            prev_us = 1;
            prev_lower = 0;
        }
    }
    while (o > out && o[-1] == '_')
        o--;
    *o = '\0';
    if (o == out) return arena_strdup(a, "value");
    if (isdigit((unsigned char)out[0])) return arena_printf(a, "v_%s", out);
    for (size_t i = 0; i < sizeof py_keywords / sizeof *py_keywords; i++)
        if (strcmp(out, py_keywords[i]) == 0) return arena_printf(a, "%s_", out);
    return out;
}

char *eng_singular(arena *a, const char *word) {
    size_t n = strlen(word);
    if (n > 4 && strcasecmp(word + n - 3, "ies") == 0)
        return arena_printf(a, "%.*sy", (int)(n - 3), word);
    if (n > 4 && (strcasecmp(word + n - 4, "sses") == 0 || strcasecmp(word + n - 4, "shes") == 0 ||
                  strcasecmp(word + n - 4, "ches") == 0 || strcasecmp(word + n - 4, "xes") == 0))
        return arena_strndup(a, word, n - 2);
    if (n > 3 && word[n - 1] == 's' && word[n - 2] != 's' && word[n - 2] != 'u' &&
        word[n - 2] != 'i')
        return arena_strndup(a, word, n - 1);
    return arena_strdup(a, word);
}

static int contains_ci(const char *s, const char *needle) {
    return strcasestr(s, needle) != NULL;
}

int eng_is_id_key(const char *key) {
    size_t n = strlen(key);
    return strcasecmp(key, "id") == 0 || strcasecmp(key, "uuid") == 0 ||
           strcasecmp(key, "slug") == 0 || strcasecmp(key, "key") == 0 ||
           (n > 2 && strcasecmp(key + n - 2, "id") == 0) ||
           (n > 3 && strcasecmp(key + n - 3, "_no") == 0);
}

int eng_is_ref_key(const char *key) {
    return eng_is_id_key(key) || strcasecmp(key, "name") == 0 || strcasecmp(key, "handle") == 0 ||
           strcasecmp(key, "username") == 0 || strcasecmp(key, "code") == 0 ||
           strcasecmp(key, "sku") == 0;
}

int eng_is_csrf_name(const char *name) {
    return contains_ci(name, "csrf") || contains_ci(name, "xsrf") ||
           strcasecmp(name, "authenticity_token") == 0 || strcasecmp(name, "_token") == 0 ||
           contains_ci(name, "requestverificationtoken") || strcasecmp(name, "x-csrftoken") == 0;
}

int eng_is_apikey_name(const char *name) {
    return contains_ci(name, "api-key") || contains_ci(name, "api_key") ||
           contains_ci(name, "apikey") || strcasecmp(name, "x-auth-token") == 0 ||
           strcasecmp(name, "x-access-token") == 0 || strcasecmp(name, "access_token") == 0 ||
           strcasecmp(name, "x-token") == 0 || strcasecmp(name, "token") == 0 ||
           strcasecmp(name, "auth_token") == 0 || strcasecmp(name, "x-api-token") == 0;
}

int eng_is_password_name(const char *name) {
    return contains_ci(name, "password") || strcasecmp(name, "passwd") == 0 ||
           strcasecmp(name, "pass") == 0 || strcasecmp(name, "pwd") == 0 ||
           strcasecmp(name, "passphrase") == 0;
}

int eng_is_username_name(const char *name) {
    return strcasecmp(name, "username") == 0 || strcasecmp(name, "user") == 0 ||
           strcasecmp(name, "email") == 0 || strcasecmp(name, "login") == 0 ||
           strcasecmp(name, "user_name") == 0 || strcasecmp(name, "userName") == 0 ||
           strcasecmp(name, "account") == 0 || strcasecmp(name, "identifier") == 0;
}

int eng_is_browser_header(const char *name) {
    static const char *const names[] = {
        "accept",
        "accept-encoding",
        "accept-language",
        "user-agent",
        "referer",
        "origin",
        "host",
        "connection",
        "content-length",
        "cookie",
        "cache-control",
        "pragma",
        "upgrade-insecure-requests",
        "dnt",
        "te",
        "if-none-match",
        "if-modified-since",
        "priority",
        "purpose",
        "x-client-data",
        "content-type",
        "authorization",
        "range",
        "if-range",
        "keep-alive",
        "proxy-connection",
        "save-data",
        "downlink",
        "ect",
        "rtt",
        "device-memory",
        "viewport-width",
        "dpr",
        "x-devtools-emulate-network-conditions-client-id",
    };
    if (name[0] == ':' || strncasecmp(name, "sec-", 4) == 0) return 1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(name, names[i]) == 0) return 1;
    return 0;
}

int eng_looks_random(const char *s) {
    size_t n = strlen(s), digits = 0, upper = 0, lower = 0;
    if (n < 16) return eng_segment_kind(s) == SEG_UUID;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') return 0;
        digits += isdigit(c) != 0;
        upper += isupper(c) != 0;
        lower += islower(c) != 0;
    }
    return digits > 0 && (upper + lower) > 0;
}

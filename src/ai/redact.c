/* ai/redact: secrets replaced by placeholders in what goes to a model. */
#include "ai/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

typedef struct form {
    char *text; /* one form of a secret */
    size_t len;
    size_t n; /* its secret's number */
} form;

struct ai_redact {
    char **values; /* the secrets, in the order they were added */
    size_t n_values;
    form *forms; /* every form of every secret, longest first */
    size_t n_forms, cap_forms;
};

ai_redact *ai_redact_new(void) {
    return calloc(1, sizeof(ai_redact));
}

void ai_redact_free(ai_redact *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_values; i++)
        free(r->values[i]);
    for (size_t i = 0; i < r->n_forms; i++)
        free(r->forms[i].text);
    free(r->values);
    free(r->forms);
    free(r);
}

size_t ai_redact_count(const ai_redact *r) {
    return r->n_values;
}

const char *ai_redact_value(const ai_redact *r, size_t n) {
    return n >= 1 && n <= r->n_values ? r->values[n - 1] : NULL;
}

static void add_form(ai_redact *r, char *text, size_t len, size_t n) {
    for (size_t i = 0; i < r->n_forms; i++)
        if (r->forms[i].len == len && memcmp(r->forms[i].text, text, len) == 0) {
            free(text);
            return;
        }
    if (r->n_forms == r->cap_forms) {
        r->cap_forms = r->cap_forms ? 2 * r->cap_forms : 16;
        r->forms = realloc(r->forms, r->cap_forms * sizeof *r->forms);
    }
    r->forms[r->n_forms++] = (form){text, len, n};
}

static int longest_first(const void *a, const void *b) {
    const form *x = a, *y = b;
    return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

/* The secret percent-encoded as a URL's query or a form encodes it. */
static char *percent_form(const char *s, size_t len, size_t *out_len) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c))
            buf_putc(&b, (char)c);
        else
            buf_printf(&b, "%%%02X", c);
    }
    *out_len = b.len;
    return buf_take(&b);
}

/* The secret as JSON text may write it: "/" as "\/", and a quote or a backslash escaped. */
static char *json_form(const char *s, size_t len, size_t *out_len) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/' || s[i] == '"' || s[i] == '\\') buf_putc(&b, '\\');
        buf_putc(&b, s[i]);
    }
    *out_len = b.len;
    return buf_take(&b);
}

static void add(ai_redact *r, const char *secret, size_t len, size_t min) {
    if (len < min || memchr(secret, '\0', len)) return;
    for (size_t i = 0; i < r->n_values; i++)
        if (strlen(r->values[i]) == len && memcmp(r->values[i], secret, len) == 0) return;
    r->values = realloc(r->values, (r->n_values + 1) * sizeof *r->values);
    char *copy = strndup(secret, len);
    r->values[r->n_values++] = copy;
    size_t n = r->n_values, flen;
    add_form(r, strndup(secret, len), len, n);
    char *p = percent_form(secret, len, &flen);
    add_form(r, p, flen, n);
    char *j = json_form(secret, len, &flen);
    add_form(r, j, flen, n);
    qsort(r->forms, r->n_forms, sizeof *r->forms, longest_first); /* a longer secret wins */
}

void ai_redact_add(ai_redact *r, const char *secret, size_t len) {
    add(r, secret, len, AI_SECRET_MIN);
}

void ai_redact_add_credential(ai_redact *r, const char *secret, size_t len) {
    add(r, secret, len, AI_CREDENTIAL_MIN);
}

size_t ai_redact_longest(const ai_redact *r) {
    return r->n_forms ? r->forms[0].len : 0; /* sorted, longest first */
}

/* The form of a secret that starts at text[i], or NULL. */
static const form *form_at(const ai_redact *r, const char *text, size_t len, size_t i) {
    for (size_t f = 0; f < r->n_forms; f++)
        if (r->forms[f].len <= len - i && r->forms[f].text[0] == text[i] &&
            memcmp(text + i, r->forms[f].text, r->forms[f].len) == 0)
            return &r->forms[f];
    return NULL;
}

char *ai_redact_window(const ai_redact *r, const char *text, size_t len, size_t from,
                       size_t max_out, int *cut) {
    buf out = BUF_INIT;
    size_t longest = ai_redact_longest(r);
    size_t i = from > longest ? from - longest : 0; /* a secret may start before the window */
    if (cut) *cut = 0;
    while (i < len) {
        if (i >= from && out.len >= max_out) {
            if (cut) *cut = 1;
            break;
        }
        const form *hit = form_at(r, text, len, i);
        if (hit) {
            if (i + hit->len > from) buf_printf(&out, "{{RAE_SECRET_%zu}}", hit->n);
            i += hit->len;
        } else {
            if (i >= from) buf_putc(&out, text[i]);
            i++;
        }
    }
    if (!out.data) buf_puts(&out, "");
    return buf_take(&out);
}

char *ai_redact_text(const ai_redact *r, const char *text, size_t len) {
    return ai_redact_window(r, text, len, 0, (size_t)-1, NULL);
}

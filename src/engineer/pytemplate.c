/* The Python that the generators print: kept as .py files in src/engineer/py/ (linted by
 * cli/py_lint, tests/integration/py_lint.py) and built into rae under "py:NAME" (tools/embed.c).
 *
 * A template's holes, filled with the values eng_template_fill is given by name:
 *   {{name}}       the value of name (name: a-z, 0-9, _). On a line of its own it stands for
 *                  whole lines: that line gives way to the value, "" or lines that end in "\n".
 *   {{#name}}      on lines of their own: the lines up to {{/name}} are kept when name's value
 *   {{^name}}      is not "" (#), or when it is "" (^). Sections do not nest.
 * All other text, braces included, is copied as it is, and a value is never read for holes. Every
 * hole of the template must be given a value, and every value given must have a hole: anything
 * else is a bug of rae itself, and aborts with the template's name and the hole's. The template
 * quotes a value that is a name rae made (an operation, a role: "{{name}}"); text from the HAR
 * comes as a Python literal or docstring text, made by eng_py_str or eng_py_doc. */
#include "engineer/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"

typedef struct filling {
    const char *tpl;        /* the template's name, for the messages */
    const eng_value *v;     /* up to {NULL, NULL} */
    size_t n;               /* values */
    unsigned char used[64]; /* by value: a hole had it */
} filling;

__attribute__((noreturn)) static void broken(const char *tpl, const char *what, const char *name,
                                             size_t len) {
    fprintf(stderr, "rae: the template %s is used wrong: %s {{%.*s}}\n", tpl, what, (int)len, name);
    abort();
}

static const char *value_of(filling *f, const char *name, size_t len) {
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->v[i].name) == len && memcmp(f->v[i].name, name, len) == 0) {
            f->used[i] = 1;
            return f->v[i].value;
        }
    broken(f->tpl, "no value is given for", name, len);
}

/* The length of the hole at p ("{{", a sigil #, ^ or / or none, a name, "}}"), else 0. */
static size_t hole_at(const char *p, const char *end, char *sigil, const char **name, size_t *len) {
    if (end - p < 5 || p[0] != '{' || p[1] != '{') return 0;
    const char *q = p + 2;
    *sigil = *q == '#' || *q == '^' || *q == '/' ? *q++ : 0;
    *name = q;
    while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'))
        q++;
    *len = (size_t)(q - *name);
    if (*len == 0 || end - q < 2 || q[0] != '}' || q[1] != '}') return 0;
    return (size_t)(q + 2 - p);
}

void eng_template_fill(buf *out, const char *name, const eng_value *values) {
    char key[64];
    snprintf(key, sizeof key, "py:%s", name);
    const asset *a = asset_find(key);
    if (!a) { /* the build embeds every file of src/engineer/py: this rae was built wrong */
        fprintf(stderr, "rae: this build lacks its template %s\n", name);
        abort();
    }
    filling f = {name, values, 0, {0}};
    for (; values && values[f.n].name; f.n++)
        if (f.n == sizeof f.used || !values[f.n].value)
            broken(name, "a NULL value, or one too many, for", values[f.n].name,
                   strlen(values[f.n].name));
    const char *start = (const char *)a->data, *end = (const char *)a->end, *p = start;
    const char *section = NULL; /* the name of the open section, and its length */
    size_t section_len = 0;
    int keep = 1;
    while (p < end) {
        const char *brace = memchr(p, '{', (size_t)(end - p));
        if (!brace) brace = end;
        if (keep) buf_append(out, p, (size_t)(brace - p));
        p = brace;
        if (p == end) break;
        char sigil;
        const char *hole;
        size_t len, n = hole_at(p, end, &sigil, &hole, &len);
        if (!n) {
            if (keep) buf_putc(out, '{');
            p++;
            continue;
        }
        const char *v = value_of(&f, hole, len); /* a hole in lines not kept is checked too */
        int alone = (p == start || p[-1] == '\n') && p + n < end && p[n] == '\n';
        if (sigil && !alone) broken(name, "a section's mark not on a line of its own:", hole, len);
        if (sigil == '/') {
            if (!section || section_len != len || memcmp(section, hole, len) != 0)
                broken(name, "the end of a section not open:", hole, len);
            section = NULL;
            keep = 1;
        } else if (sigil) {
            if (section) broken(name, "a section inside another:", hole, len);
            section = hole;
            section_len = len;
            keep = (*v != '\0') == (sigil == '#');
        } else if (alone && *v && v[strlen(v) - 1] != '\n') {
            broken(name, "a value that is not whole lines for", hole, len);
        } else if (keep) {
            buf_puts(out, v);
        }
        p += n + (alone ? 1 : 0);
    }
    if (section) broken(name, "no end to the section", section, section_len);
    for (size_t i = 0; i < f.n; i++)
        if (!f.used[i])
            broken(name, "a value given that has no hole:", values[i].name, strlen(values[i].name));
}

void eng_template(buf *out, const char *name) {
    eng_template_fill(out, name, NULL);
}

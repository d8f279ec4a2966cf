/* Schemas merged over every sample: which types were seen, which properties are always there,
 * small closed sets of strings (enums), string formats, and array elements merged together. */
#include "engineer/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_str(buf *out, const char *s) {
    buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            buf_printf(out, "\\u%04x", c);
        else
            buf_putc(out, (char)c);
    }
    buf_putc(out, '"');
}

eng_schema *eng_schema_new(arena *a) {
    return arena_alloc(a, sizeof(eng_schema));
}

static eng_prop *prop(arena *a, eng_schema *s, const char *name) {
    for (size_t i = 0; i < s->n_props; i++)
        if (strcmp(s->props[i].name, name) == 0) return &s->props[i];
    if (s->n_props == s->cap_props) {
        size_t cap = s->cap_props ? s->cap_props * 2 : 8;
        eng_prop *p = arena_alloc(a, cap * sizeof *p);
        if (s->n_props) memcpy(p, s->props, s->n_props * sizeof *p);
        s->props = p;
        s->cap_props = cap;
    }
    eng_prop *p = &s->props[s->n_props++];
    p->name = arena_strdup(a, name);
    p->schema = eng_schema_new(a);
    p->present = 0;
    return p;
}

static int all_digits(const char *s, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static const char *string_format(const char *s) {
    size_t n = strlen(s);
    if (eng_segment_kind(s) == SEG_UUID) return "uuid";
    if (n >= 19 && all_digits(s, 0, 4) && s[4] == '-' && all_digits(s, 5, 7) && s[7] == '-' &&
        all_digits(s, 8, 10) && (s[10] == 'T' || s[10] == ' ') && s[13] == ':')
        return "date-time";
    if (n == 10 && all_digits(s, 0, 4) && s[4] == '-' && s[7] == '-') return "date";
    const char *at = strchr(s, '@');
    if (at && at > s && strchr(at, '.') && !strchr(s, ' ') && n < 256) return "email";
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) return "uri";
    return NULL;
}

static void add_string(arena *a, eng_schema *s, const char *str) {
    const char *f = string_format(str);
    if (!s->format_set) {
        s->format = f ? f : NULL;
        s->format_set = 1;
    } else if (s->format && (!f || strcmp(s->format, f) != 0)) {
        s->format = NULL;
    }
    if (s->enum_overflow) return;
    size_t n = strlen(str);
    if (n == 0 || n > 40 || f || eng_looks_random(str)) {
        s->enum_overflow = 1;
        return;
    }
    for (size_t i = 0; i < s->n_enums; i++)
        if (strcmp(s->enums[i], str) == 0) return;
    if (s->n_enums == ENG_ENUM_MAX) {
        s->enum_overflow = 1;
        return;
    }
    s->enums[s->n_enums++] = arena_strdup(a, str);
}

void eng_schema_add(arena *a, eng_schema *s, jv *v) {
    s->samples++;
    switch (v->type) {
    case JV_NULL:
        s->types |= ENG_T_NULL;
        break;
    case JV_TRUE:
    case JV_FALSE:
        s->types |= ENG_T_BOOL;
        break;
    case JV_NUMBER:
        s->types |= jv_is_int(v) ? ENG_T_INT : ENG_T_NUM;
        if (!s->example) s->example = jv_num_text(v, a);
        break;
    case JV_STRING: {
        const char *str = jv_str(v, a, NULL);
        s->types |= ENG_T_STR;
        add_string(a, s, str);
        if (!s->example) {
            buf b = BUF_INIT;
            jv_dump(v, a, &b);
            s->example = b.len < 120 ? arena_strdup(a, buf_str(&b)) : NULL;
            buf_free(&b);
        }
        break;
    }
    case JV_ARRAY:
        s->types |= ENG_T_ARR;
        if (!s->items) s->items = eng_schema_new(a);
        for (size_t i = 0; i < v->len; i++)
            eng_schema_add(a, s->items, v->items[i]);
        break;
    case JV_OBJECT:
        s->types |= ENG_T_OBJ;
        s->objects++;
        for (size_t i = 0; i < v->len; i++) {
            eng_prop *p = prop(a, s, jv_key(&v->members[i], a));
            p->present++;
            eng_schema_add(a, p->schema, v->members[i].value);
        }
        break;
    }
}

void eng_schema_add_text(arena *a, eng_schema *s, const char *text) {
    size_t n = strlen(text);
    char *end;
    s->samples++;
    if (n > 0 && n < 19 && (isdigit((unsigned char)text[0]) || text[0] == '-')) {
        strtoll(text, &end, 10);
        if (*end == '\0' && !(text[0] == '0' && n > 1)) {
            s->types |= ENG_T_INT;
            if (!s->example) s->example = arena_strdup(a, text);
            return;
        }
    }
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        s->types |= ENG_T_BOOL;
        return;
    }
    s->types |= ENG_T_STR;
    add_string(a, s, text);
    if (!s->example) {
        buf b = BUF_INIT;
        json_str(&b, text);
        s->example = b.len < 120 ? arena_strdup(a, buf_str(&b)) : NULL;
        buf_free(&b);
    }
}

void eng_schema_merge(arena *a, eng_schema *dst, const eng_schema *src) {
    if (!src) return;
    dst->types |= src->types;
    dst->samples += src->samples;
    dst->objects += src->objects;
    for (size_t i = 0; i < src->n_props; i++) {
        eng_prop *p = prop(a, dst, src->props[i].name);
        p->present += src->props[i].present;
        eng_schema_merge(a, p->schema, src->props[i].schema);
    }
    if (src->items) {
        if (!dst->items) dst->items = eng_schema_new(a);
        eng_schema_merge(a, dst->items, src->items);
    }
    if (src->format_set) {
        if (!dst->format_set) {
            dst->format = src->format;
            dst->format_set = 1;
        } else if (!src->format || !dst->format || strcmp(src->format, dst->format) != 0) {
            dst->format = NULL;
        }
    }
    if (src->enum_overflow) dst->enum_overflow = 1;
    for (size_t i = 0; i < src->n_enums && !dst->enum_overflow; i++)
        add_string(a, dst, src->enums[i]);
    if (!dst->example) dst->example = src->example;
}

const eng_schema *eng_schema_at(const eng_schema *s, const char *path) {
    while (s && *path) {
        if (*path == '.') path++;
        if (*path == '[') {
            const char *close = strchr(path, ']');
            if (!close) return NULL;
            s = s->items;
            path = close + 1;
            continue;
        }
        size_t n = strcspn(path, ".[");
        const eng_schema *next = NULL;
        for (size_t i = 0; i < s->n_props; i++)
            if (strlen(s->props[i].name) == n && strncmp(s->props[i].name, path, n) == 0)
                next = s->props[i].schema;
        s = next;
        path += n;
    }
    return s;
}

static void type_list(const eng_schema *s, buf *out) {
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{ENG_T_OBJ, "object"},  {ENG_T_ARR, "array"},  {ENG_T_STR, "string"},
                 {ENG_T_INT, "integer"}, {ENG_T_NUM, "number"}, {ENG_T_BOOL, "boolean"},
                 {ENG_T_NULL, "null"}};
    unsigned types = s->types;
    if ((types & ENG_T_NUM) && (types & ENG_T_INT)) types &= ~(unsigned)ENG_T_INT;
    int count = 0;
    for (size_t i = 0; i < 7; i++)
        count += (types & names[i].bit) != 0;
    if (count == 0) return;
    buf_puts(out, "\"type\":");
    if (count > 1) buf_putc(out, '[');
    int first = 1;
    for (size_t i = 0; i < 7; i++) {
        if (!(types & names[i].bit)) continue;
        if (!first) buf_putc(out, ',');
        buf_printf(out, "\"%s\"", names[i].name);
        first = 0;
    }
    if (count > 1) buf_putc(out, ']');
}

void eng_schema_json(const eng_schema *s, buf *out) {
    buf_putc(out, '{');
    size_t start = out->len;
    type_list(s, out);
#define SEP()                                                                                      \
    do {                                                                                           \
        if (out->len > start) buf_putc(out, ',');                                                  \
    } while (0)
    if ((s->types & ENG_T_STR) && s->format) {
        SEP();
        buf_printf(out, "\"format\":\"%s\"", s->format);
    }
    /* An enum only for a closed set seen several times over. */
    if ((s->types & ~(unsigned)ENG_T_NULL) == ENG_T_STR && !s->enum_overflow && s->n_enums > 0 &&
        s->n_enums <= 4 && s->samples >= 3 * (long)s->n_enums) {
        SEP();
        buf_puts(out, "\"enum\":[");
        for (size_t i = 0; i < s->n_enums; i++) {
            if (i) buf_putc(out, ',');
            json_str(out, s->enums[i]);
        }
        buf_putc(out, ']');
    }
    if (s->types & ENG_T_OBJ) {
        SEP();
        buf_puts(out, "\"properties\":{");
        for (size_t i = 0; i < s->n_props; i++) {
            if (i) buf_putc(out, ',');
            json_str(out, s->props[i].name);
            buf_putc(out, ':');
            eng_schema_json(s->props[i].schema, out);
        }
        buf_putc(out, '}');
        int any = 0;
        for (size_t i = 0; i < s->n_props; i++) {
            if (s->props[i].present != s->objects) continue;
            buf_puts(out, any ? "," : ",\"required\":[");
            json_str(out, s->props[i].name);
            any = 1;
        }
        if (any) buf_putc(out, ']');
    }
    if ((s->types & ENG_T_ARR) && s->items && s->items->samples) {
        SEP();
        buf_puts(out, "\"items\":");
        eng_schema_json(s->items, out);
    }
    if (s->example && (s->types & (ENG_T_STR | ENG_T_INT | ENG_T_NUM)) && !(s->types & ENG_T_OBJ)) {
        SEP();
        buf_printf(out, "\"examples\":[%s]", s->example);
    }
#undef SEP
    buf_putc(out, '}');
}

const char *eng_schema_py(const eng_schema *s, arena *a) {
    if (!s) return "Any";
    unsigned t = s->types & ~(unsigned)ENG_T_NULL;
    const char *base;
    if (t == ENG_T_STR)
        base = "str";
    else if (t == ENG_T_INT)
        base = "int";
    else if (t == ENG_T_NUM || t == (ENG_T_NUM | ENG_T_INT))
        base = "float";
    else if (t == ENG_T_BOOL)
        base = "bool";
    else if (t == ENG_T_OBJ)
        base = "Dict[str, Any]";
    else if (t == ENG_T_ARR)
        base = s->items && s->items->types ? arena_printf(a, "List[%s]", eng_schema_py(s->items, a))
                                           : "List[Any]";
    else
        return "Any";
    return (s->types & ENG_T_NULL) ? arena_printf(a, "Optional[%s]", base) : base;
}

const char *eng_schema_items_field(const eng_schema *s) {
    if (!s || !(s->types & ENG_T_OBJ)) return NULL;
    for (size_t i = 0; i < s->n_props; i++) {
        const eng_schema *p = s->props[i].schema;
        if ((p->types & ENG_T_ARR) && p->items && (p->items->types & ENG_T_OBJ))
            return s->props[i].name;
    }
    return NULL;
}

/* ai/price: the dated price table, and the files built into rae for the AI engineer. */
#include "ai/price.h"
#include "rae/ai.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assets.h"

char *ai_builtin(const char *name) {
    char key[64];
    snprintf(key, sizeof key, "ai:%s", name);
    const asset *a = asset_find(key);
    if (!a) return NULL;
    size_t n = (size_t)(a->end - a->data);
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, a->data, n);
    copy[n] = '\0';
    return copy;
}

static json_t *table(void) {
    char *text = ai_builtin("prices.json");
    json_t *t = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return t;
}

ai_price ai_price_of(const char *model) {
    ai_price p = {0};
    json_t *t = table();
    const char *name, *best = NULL;
    json_t *line, *best_line = NULL;
    json_object_foreach(json_object_get(t, "models"), name, line) {
        size_t n = strlen(name);
        int fits = strcmp(model, name) == 0 || (strncmp(model, name, n) == 0 && model[n] == '-');
        if (fits && (!best || n > strlen(best))) {
            best = name;
            best_line = line;
        }
    }
    if (best_line) {
        p.known = 1;
        p.input = json_number_value(json_object_get(best_line, "input"));
        p.output = json_number_value(json_object_get(best_line, "output"));
        p.cache_read = json_number_value(json_object_get(best_line, "cache_read"));
        p.cache_write = json_number_value(json_object_get(best_line, "cache_write"));
        const char *taken = json_string_value(json_object_get(t, "taken"));
        snprintf(p.taken, sizeof p.taken, "%s", taken ? taken : "");
    }
    json_decref(t);
    return p;
}

double ai_cost(const ai_price *p, const ai_usage *u) {
    if (!p->known) return 0;
    return ((double)u->input_tokens * p->input + (double)u->output_tokens * p->output +
            (double)u->cache_read_tokens * p->cache_read +
            (double)u->cache_write_tokens * p->cache_write) /
           1e6;
}

void ai_default_model(ai_provider p, char *out, size_t n) {
    json_t *t = table();
    const char *m = json_string_value(
        json_object_get(json_object_get(t, "defaults"), p == AI_OPENAI ? "openai" : "anthropic"));
    snprintf(out, n, "%s", m ? m : "");
    json_decref(t);
}

void ai_model_default(const char *provider, char *out, size_t n) {
    ai_default_model(provider && strcmp(provider, "openai") == 0 ? AI_OPENAI : AI_ANTHROPIC, out,
                     n);
}

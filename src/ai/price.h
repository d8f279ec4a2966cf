/* What a model's tokens cost, from the price table kept as data (src/ai/prices.json, built into
 * rae, dated): US dollars per million input, output, cache-read and cache-write tokens. A model
 * the table does not list has no known cost: its tokens are still counted and shown. */
#ifndef RAE_AI_PRICE_H
#define RAE_AI_PRICE_H

#include <stddef.h>

#include "ai/stream.h"

typedef struct ai_price {
    int known;
    double input, output, cache_read, cache_write; /* USD per million tokens */
    char taken[16];                                /* the table's date */
} ai_price;

/* The price of model: its own line, else the line of the longest name it starts with (a dated
 * name: claude-sonnet-4-5-20250929). */
ai_price ai_price_of(const char *model);
/* The cost of usage at price p (0 when it is not known). */
double ai_cost(const ai_price *p, const ai_usage *u);
/* The model used when none is given, for provider p, into out. */
void ai_default_model(ai_provider p, char *out, size_t n);
/* A file built into rae for the AI engineer ("system.md", "tools.json", "prices.json"), as a
 * NUL-terminated copy (caller frees), or NULL. */
char *ai_builtin(const char *name);

#endif

#include "util/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pvec_push(pvec *v, void *p) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **items = realloc(v->items, cap * sizeof *items);
        if (!items) {
            fprintf(stderr, "rae: out of memory\n");
            abort();
        }
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = p;
}

void pvec_free(pvec *v) {
    free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

void pvec_remove(pvec *v, size_t i) {
    if (i >= v->n) return;
    memmove(v->items + i, v->items + i + 1, (v->n - i - 1) * sizeof *v->items);
    v->n--;
}

#include "util/vec.h"

#include <stdio.h>
#include <stdlib.h>

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

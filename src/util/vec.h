/* pvec: a growable array of pointers. The vector owns its array, not what the pointers point to. */
#ifndef RAE_UTIL_VEC_H
#define RAE_UTIL_VEC_H

#include <stddef.h>

typedef struct pvec {
    void **items;
    size_t n, cap;
} pvec;

#define PVEC_INIT                                                                                  \
    { NULL, 0, 0 }

void pvec_push(pvec *v, void *p);
/* Removes item i, keeping the order of the others. */
void pvec_remove(pvec *v, size_t i);
void pvec_free(pvec *v);

#endif

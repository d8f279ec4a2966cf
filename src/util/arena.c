#include "rae/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 65536
#define ARENA_ALIGN 16

typedef struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

typedef struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *ptr;
} arena_cleanup;

struct arena {
    arena_block *head;
    arena_cleanup *cleanups;
    size_t used;
};

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "rae: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

static arena_block *block_new(size_t cap) {
    arena_block *b = xmalloc(sizeof *b + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

arena *arena_new(void) {
    arena *a = xmalloc(sizeof *a);
    a->head = block_new(ARENA_BLOCK);
    a->cleanups = NULL;
    a->used = 0;
    return a;
}

static void run_cleanups(arena *a) {
    while (a->cleanups) {
        arena_cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->ptr);
    }
}

void arena_reset(arena *a) {
    run_cleanups(a);
    arena_block *b = a->head;
    while (b->next) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->used = 0;
}

void arena_free(arena *a) {
    if (!a) return;
    arena_reset(a);
    free(a->head);
    free(a);
}

void *arena_alloc(arena *a, size_t n) {
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0) need = ARENA_ALIGN;
    arena_block *b = a->head;
    if (b->cap - b->used < need) {
        /* Big requests get a block of their own behind the current one, so the current block's
         * free space is not wasted. */
        if (need > ARENA_BLOCK / 4) {
            arena_block *big = block_new(need);
            big->used = need;
            big->next = b->next;
            b->next = big;
            a->used += need;
            memset(big->data, 0, need);
            return big->data;
        }
        b = block_new(ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    memset(p, 0, need);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s) {
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n > 0) vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void arena_defer(arena *a, void (*fn)(void *), void *ptr) {
    arena_cleanup *c = arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t arena_used(const arena *a) {
    return a->used;
}

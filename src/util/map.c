#include "util/map.h"

#include "rae/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct smap_item {
    const char *key;
    size_t klen;
    uint64_t hash;
    void *value;
} smap_item;

struct smap {
    arena *keys;
    smap_item *items; /* insertion order */
    size_t n, cap;
    uint32_t *index;  /* open addressing: item position + 1, 0 = empty */
    size_t index_cap; /* power of two */
};

uint64_t rae_hash(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "rae: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

smap *smap_new(void) {
    smap *m = xrealloc(NULL, sizeof *m);
    memset(m, 0, sizeof *m);
    m->keys = arena_new();
    return m;
}

void smap_free(smap *m) {
    if (!m) return;
    arena_free(m->keys);
    free(m->items);
    free(m->index);
    free(m);
}

static size_t find(const smap *m, const char *key, size_t klen, uint64_t h) {
    size_t mask = m->index_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t at = m->index[i];
        if (at == 0) return i;
        const smap_item *it = &m->items[at - 1];
        if (it->hash == h && it->klen == klen && memcmp(it->key, key, klen) == 0) return i;
    }
}

static void grow_index(smap *m) {
    size_t cap = m->index_cap ? m->index_cap * 2 : 16;
    free(m->index);
    m->index = xrealloc(NULL, cap * sizeof *m->index);
    memset(m->index, 0, cap * sizeof *m->index);
    m->index_cap = cap;
    for (size_t i = 0; i < m->n; i++) {
        size_t slot = find(m, m->items[i].key, m->items[i].klen, m->items[i].hash);
        m->index[slot] = (uint32_t)(i + 1);
    }
}

void *smap_get(const smap *m, const char *key, size_t klen) {
    if (m->n == 0) return NULL;
    uint32_t at = m->index[find(m, key, klen, rae_hash(key, klen))];
    return at ? m->items[at - 1].value : NULL;
}

void *smap_gets(const smap *m, const char *key) {
    return smap_get(m, key, strlen(key));
}

void **smap_slot(smap *m, const char *key, size_t klen, int *created) {
    if ((m->n + 1) * 4 >= m->index_cap * 3) grow_index(m);
    uint64_t h = rae_hash(key, klen);
    size_t slot = find(m, key, klen, h);
    if (m->index[slot]) {
        if (created) *created = 0;
        return &m->items[m->index[slot] - 1].value;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->items = xrealloc(m->items, m->cap * sizeof *m->items);
    }
    smap_item *it = &m->items[m->n++];
    it->key = arena_strndup(m->keys, key, klen);
    it->klen = klen;
    it->hash = h;
    it->value = NULL;
    m->index[slot] = (uint32_t)m->n;
    if (created) *created = 1;
    return &it->value;
}

void smap_put(smap *m, const char *key, void *value) {
    *smap_slot(m, key, strlen(key), NULL) = value;
}

size_t smap_count(const smap *m) {
    return m->n;
}

const char *smap_key(const smap *m, size_t i) {
    return m->items[i].key;
}

size_t smap_key_len(const smap *m, size_t i) {
    return m->items[i].klen;
}

void *smap_value(const smap *m, size_t i) {
    return m->items[i].value;
}

void smap_set_value(smap *m, size_t i, void *value) {
    m->items[i].value = value;
}

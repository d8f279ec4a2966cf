/* smap: a hash map from byte-string keys to pointers that remembers insertion order, so that
 * everything built from it comes out in a deterministic order. The map copies keys; values are
 * the caller's. */
#ifndef RAE_UTIL_MAP_H
#define RAE_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct smap smap;

/* Caller frees with smap_free(). */
smap *smap_new(void);
void smap_free(smap *m);

/* The value stored under key, or NULL. */
void *smap_get(const smap *m, const char *key, size_t klen);
void *smap_gets(const smap *m, const char *key);
/* The slot for key, made (holding NULL, *created = 1) when absent; valid until the next insert. */
void **smap_slot(smap *m, const char *key, size_t klen, int *created);
/* Stores value under key, replacing what was there. */
void smap_put(smap *m, const char *key, void *value);

size_t smap_count(const smap *m);
/* The i-th key and value in insertion order; the key is borrowed from the map. */
const char *smap_key(const smap *m, size_t i);
size_t smap_key_len(const smap *m, size_t i);
void *smap_value(const smap *m, size_t i);
void smap_set_value(smap *m, size_t i, void *value);

uint64_t rae_hash(const void *data, size_t n);

#endif

/* arena: a bump allocator for per-entry and per-analysis lifetimes.
 * Everything allocated from an arena is freed at once by arena_free(); cleanups registered with
 * arena_defer() run then, newest first. Allocation failure aborts (rae cannot go on without
 * memory). */
#ifndef RAE_ARENA_H
#define RAE_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* Caller frees with arena_free(). */
arena *arena_new(void);
void arena_free(arena *a);
/* Frees every block but the first and runs the cleanups; the arena can be reused. */
void arena_reset(arena *a);

/* Zeroed memory, valid until the arena is freed or reset. */
void *arena_alloc(arena *a, size_t n);
/* Copies n bytes and a NUL; valid until the arena is freed or reset. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs fn(ptr) when the arena is freed or reset. */
void arena_defer(arena *a, void (*fn)(void *), void *ptr);
/* Bytes handed out since creation or the last reset. */
size_t arena_used(const arena *a);

#endif

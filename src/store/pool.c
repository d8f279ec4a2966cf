/* store: a fixed set of handles, opened once and kept, lent to worker threads one at a time. A
 * handle per request would open and close rae.db beside the server's live connections all the
 * time (and each open takes the write lock to check the schema); a pool opens its handles at
 * start and closes them at the end. */
#include "rae/store.h"
#include "rae/err.h"

#include <pthread.h>
#include <stdlib.h>

enum { POOL_MAX = 64 };

struct rae_store_pool {
    pthread_mutex_t lock;
    pthread_cond_t given; /* signalled when a handle comes back */
    rae_store *all[POOL_MAX];
    rae_store *idle[POOL_MAX]; /* the handles not lent: idle[0..n_idle) */
    int n, n_idle;
};

rae_store_pool *rae_store_pool_open(const char *data_dir, int n, rae_err *err) {
    if (n < 1 || n > POOL_MAX) {
        rae_err_fail(err, "store pool: 1 to %d handles, not %d", POOL_MAX, n);
        return NULL;
    }
    rae_store_pool *p = calloc(1, sizeof *p);
    if (!p) {
        rae_err_fail(err, "store pool: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->given, NULL);
    for (; p->n < n; p->n++) {
        p->all[p->n] = p->idle[p->n] = rae_store_open(data_dir, err);
        if (!p->all[p->n]) {
            rae_store_pool_close(p);
            return NULL;
        }
    }
    p->n_idle = n;
    return p;
}

rae_store *rae_store_pool_take(rae_store_pool *p) {
    pthread_mutex_lock(&p->lock);
    while (p->n_idle == 0)
        pthread_cond_wait(&p->given, &p->lock);
    rae_store *s = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->lock);
    return s;
}

void rae_store_pool_give(rae_store_pool *p, rae_store *s) {
    pthread_mutex_lock(&p->lock);
    p->idle[p->n_idle++] = s;
    pthread_cond_signal(&p->given);
    pthread_mutex_unlock(&p->lock);
}

void rae_store_pool_close(rae_store_pool *p) {
    if (!p) return;
    for (int i = 0; i < p->n; i++)
        rae_store_close(p->all[i]);
    pthread_cond_destroy(&p->given);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

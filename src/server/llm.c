/* The AI engineer's model provider in rae serve (llm.h): the choice of key per user, the users'
 * own keys sealed with libsodium (XChaCha20-Poly1305, the user's id and the provider as associated
 * data: a sealed key moved to another user's row does not open), and the gateways, one thread per
 * AI run, each with its own store handle. The list of gateways is the loop's. */
#include "server/llm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rae/ai.h"
#include "rae/err.h"

#define SEAL_KEY_FILE "llm.key"
#define KEY_MAX 1024 /* bytes of a provider's key */
#define DEFAULT_MAX_RUNS 2

struct llm_gate {
    pthread_t thread;
    int stop_wr; /* the loop's end of the eventfd the thread polls */
    int done;    /* set by the thread as it ends (atomic) */
    int closing; /* llm_gate_close was called */
    long long user_id;
    llm_gate *next;
    /* the thread's (set before it starts, then only read or freed by it) */
    ai_gateway_options o;
    rae_sprites *sprites;
    char data_dir[4096], sprite[64], sock[64], run[32];
    llm_choice c;
    int listen_fd, stop_rd;
};

struct srv_llm {
    const rae_serve_opts *o;
    unsigned char seal[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    llm_gate *gates; /* open and closing */
};

/* ---- the sealing key ---- */

static int read_all(int fd, unsigned char *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* DATA/llm.key into l->seal, made when missing. */
static int seal_key(srv_llm *l, const char *data_dir, rae_err *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/" SEAL_KEY_FILE, data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        randombytes_buf(l->seal, sizeof l->seal);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        int ok = fd >= 0 && write(fd, l->seal, sizeof l->seal) == (ssize_t)sizeof l->seal &&
                 fsync(fd) == 0;
        if (fd >= 0) close(fd);
        return ok ? 0 : rae_err_fail(err, "%s: cannot make it: %s", path, strerror(errno));
    }
    int ok = fd >= 0 && read_all(fd, l->seal, sizeof l->seal) == 0;
    if (fd >= 0) close(fd);
    return ok ? 0 : rae_err_fail(err, "%s: not a key of %zu bytes", path, sizeof l->seal);
}

srv_llm *llm_new(const rae_serve_opts *o, const char *data_dir, rae_err *err) {
    srv_llm *l = calloc(1, sizeof *l);
    if (!l) abort();
    l->o = o;
    if (seal_key(l, data_dir, err) < 0) {
        free(l);
        return NULL;
    }
    return l;
}

/* ---- the users' own keys ---- */

static void seal_ad(long long user_id, const char *provider, char *ad, size_t n) {
    snprintf(ad, n, "rae-llm-key/%lld/%s", user_id, provider);
}

int llm_key_keep(srv *s, long long user_id, const char *provider, const char *key, rae_err *err) {
    if (!key) return rae_store_llm_key_set(s->store, user_id, NULL, NULL, 0, err) < 0 ? -1 : 0;
    size_t n = strlen(key), nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    size_t total = nb + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *sealed = malloc(total);
    if (!sealed) abort();
    char ad[96];
    seal_ad(user_id, provider, ad, sizeof ad);
    randombytes_buf(sealed, nb);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + nb, &clen, (const unsigned char *)key, n,
                                               (const unsigned char *)ad, strlen(ad), NULL, sealed,
                                               s->llm->seal);
    int rc = rae_store_llm_key_set(s->store, user_id, provider, sealed, nb + (size_t)clen, err);
    sodium_memzero(sealed, total);
    free(sealed);
    return rc < 0 ? -1 : 0;
}

/* The user's own key opened into c; 0, 1 when there is none, -1 with why. */
static int own_key(srv *s, long long user_id, llm_choice *c, rae_err *why) {
    unsigned char *sealed;
    size_t len, nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    double added;
    if (rae_store_llm_key_get(s->store, user_id, c->provider, sizeof c->provider, &sealed, &len,
                              &added) < 0)
        return 1;
    char ad[96];
    seal_ad(user_id, c->provider, ad, sizeof ad);
    unsigned long long klen = 0;
    c->key = sodium_malloc(KEY_MAX + 1);
    int ok = len > nb + crypto_aead_xchacha20poly1305_ietf_ABYTES &&
             len - nb - crypto_aead_xchacha20poly1305_ietf_ABYTES <= KEY_MAX &&
             crypto_aead_xchacha20poly1305_ietf_decrypt(
                 (unsigned char *)c->key, &klen, NULL, sealed + nb, len - nb,
                 (const unsigned char *)ad, strlen(ad), sealed, s->llm->seal) == 0;
    free(sealed);
    if (!ok) {
        llm_choice_clear(c);
        return rae_err_fail(why,
                            "your own key cannot be opened with this server's %s: set it again "
                            "in Settings",
                            SEAL_KEY_FILE);
    }
    c->key[klen] = '\0';
    c->source = "own";
    const rae_serve_opts *o = s->llm->o;
    if (o->llm_provider && strcmp(o->llm_provider, c->provider) == 0 && o->llm_base_url)
        snprintf(c->base_url, sizeof c->base_url, "%s", o->llm_base_url);
    return 0;
}

int llm_choose(srv *s, long long user_id, llm_choice *c, rae_err *why) {
    *c = (llm_choice){0};
    const rae_serve_opts *o = s->llm->o;
    int rc = own_key(s, user_id, c, why);
    if (rc < 0) return -1;
    if (rc == 1 && !o->llm_provider)
        return rae_err_fail(why,
                            "no model is configured: an admin starts rae serve with --llm-provider "
                            "anthropic|openai (and its key), or you set your own key in Settings");
    if (rc == 1) {
        snprintf(c->provider, sizeof c->provider, "%s", o->llm_provider);
        snprintf(c->base_url, sizeof c->base_url, "%s", o->llm_base_url ? o->llm_base_url : "");
        c->key = sodium_malloc(KEY_MAX + 1);
        snprintf(c->key, KEY_MAX + 1, "%s", o->llm_key ? o->llm_key : "");
        c->source = "server";
    }
    if (o->llm_model && o->llm_provider && strcmp(o->llm_provider, c->provider) == 0)
        snprintf(c->model, sizeof c->model, "%s", o->llm_model);
    else
        ai_model_default(c->provider, c->model, sizeof c->model);
    return 0;
}

void llm_choice_clear(llm_choice *c) {
    if (c->key) sodium_free(c->key); /* wiped as it is freed */
    c->key = NULL;
}

int llm_max_runs(const srv_llm *l) {
    return l->o->llm_max_runs > 0 ? l->o->llm_max_runs : DEFAULT_MAX_RUNS;
}

int llm_runs_of(const srv_llm *l, long long user_id) {
    int n = 0;
    for (const llm_gate *g = l->gates; g; g = g->next)
        n += g->user_id == user_id && !g->closing;
    return n;
}

/* ---- the gateways ---- */

static void *gate_thread(void *arg) {
    llm_gate *g = arg;
    rae_err err;
    g->o.store = rae_store_open(g->data_dir, &err);
    if (!g->o.store)
        fprintf(stderr, "rae: the gateway of run %s records no usage: %s\n", g->run, err.message);
    if (ai_gateway_serve(&g->o, &err) < 0)
        fprintf(stderr, "rae: the gateway of run %s: %s\n", g->run, err.message);
    if (g->o.store) rae_store_close(g->o.store);
    close(g->listen_fd);
    close(g->stop_rd);
    if (rae_sprite_unlisten(g->sprites, g->sprite, g->sock, &err) < 0)
        fprintf(stderr, "rae: %s\n", err.message);
    llm_choice_clear(&g->c);
    __atomic_store_n(&g->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void gate_free(llm_gate *g) {
    pthread_join(g->thread, NULL);
    close(g->stop_wr);
    free(g);
}

/* Joins the threads that have ended. */
static void reap(srv_llm *l) {
    for (llm_gate **p = &l->gates; *p;) {
        llm_gate *g = *p;
        if (g->closing && __atomic_load_n(&g->done, __ATOMIC_ACQUIRE)) {
            *p = g->next;
            gate_free(g);
        } else {
            p = &g->next;
        }
    }
}

llm_gate *llm_gate_open(srv *s, const char *sprite, const char *run, long long user_id,
                        llm_choice *c, char *inside, size_t insiden, rae_err *err) {
    llm_gate *g = calloc(1, sizeof *g);
    if (!g) abort();
    g->user_id = user_id;
    g->sprites = s->sprites;
    snprintf(g->data_dir, sizeof g->data_dir, "%s", s->data_dir);
    snprintf(g->sprite, sizeof g->sprite, "%s", sprite);
    snprintf(g->run, sizeof g->run, "%s", run);
    /* a name of its own: the gateway before it (of the run's last message) may still be removing
     * its socket */
    snprintf(g->sock, sizeof g->sock, "llm-%s-%08x.sock", run, randombytes_random());
    g->c = *c;
    c->key = NULL;
    g->listen_fd = rae_sprite_listen(s->sprites, sprite, g->sock, inside, insiden, err);
    int efd = g->listen_fd < 0 ? -1 : eventfd(0, EFD_CLOEXEC);
    g->stop_rd = efd;
    g->stop_wr = efd < 0 ? -1 : fcntl(efd, F_DUPFD_CLOEXEC, 0);
    g->o = (ai_gateway_options){.listen_fd = g->listen_fd,
                                .provider = g->c.provider,
                                .base_url = *g->c.base_url ? g->c.base_url : NULL,
                                .api_key = g->c.key,
                                .user_id = user_id,
                                .check_budget = strcmp(g->c.source, "server") == 0,
                                .run = g->run,
                                .stop_fd = g->stop_rd};
    if (g->stop_wr < 0 || pthread_create(&g->thread, NULL, gate_thread, g) != 0) {
        if (g->listen_fd >= 0) {
            rae_err_fail(err, "the gateway of run %s: %s", run, strerror(errno));
            close(g->listen_fd);
            rae_sprite_unlisten(s->sprites, sprite, g->sock, NULL);
        }
        if (efd >= 0) close(efd);
        if (g->stop_wr >= 0) close(g->stop_wr);
        llm_choice_clear(&g->c);
        free(g);
        return NULL;
    }
    return g;
}

void llm_gate_attach(srv *s, llm_gate *g) {
    reap(s->llm);
    g->next = s->llm->gates;
    s->llm->gates = g;
}

/* Tells the thread to stop (an eventfd always takes the write). */
static void stop(llm_gate *g) {
    uint64_t one = 1;
    if (!g->closing && write(g->stop_wr, &one, sizeof one) < 0)
        fprintf(stderr, "rae: cannot stop the gateway of run %s: %s\n", g->run, strerror(errno));
    g->closing = 1;
}

void llm_gate_close(srv *s, llm_gate *g) {
    (void)s;
    if (g) stop(g);
}

void llm_free(srv_llm *l) {
    if (!l) return;
    for (llm_gate *g = l->gates, *next; g; g = next) {
        next = g->next;
        stop(g);
        gate_free(g);
    }
    sodium_memzero(l->seal, sizeof l->seal);
    free(l);
}

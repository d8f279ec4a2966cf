/* ckpt_create: walk the tree (main thread), read and hash the files the index does not vouch for
 * (worker threads), write their blobs to DIR/tmp/wN/, then commit: syncfs, blobs renamed into
 * DIR/blobs, the manifest written to DIR/tmp, syncfs (fdatasync when no blob was new), manifest
 * renamed into DIR/manifests (the commit point), fsync of DIR/manifests; then the index and seq
 * caches are replaced. docs/checkpoints.md says why each sync is there. */
#include "ckpt/ckpt.h"
#include "ckpt/internal.h"
#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define QCAP 64
#define MAX_WORKERS 4
#define SMALL (1u << 20)     /* files up to this size are read whole, and written only when new */
#define RACY_NS 1000000000LL /* mtimes this close to the start are not trusted next time */

typedef struct job {
    ckpt_entry *e;
    int fd;
} job;

typedef struct pending {
    int zst;
    char tmp[64];
    unsigned long long stored;
    unsigned char hash[CKPT_HASH];
} pending;

typedef struct cctx {
    ckpt_store *s;
    const char *root;
    long long racy_after; /* ns */
    pthread_mutex_t mu;
    pthread_cond_t can_get, can_put;
    job q[QCAP];
    size_t qhead, qlen;
    int done, failed;
    rae_err err;
    smap *pending; /* hash -> pending, in pa; under mu */
    arena *pa;
    unsigned long long tmpseq, read_files, read_bytes;
    pthread_t th[MAX_WORKERS];
    int nth, maxth, started;
} cctx;

static long long ts_ns(struct timespec t) {
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* What an entry keeps of its file's stat: mode, owner, times, and where it lives (the index). */
static void entry_stat(ckpt_entry *e, const struct stat *st) {
    e->mode = st->st_mode & 07777;
    e->uid = st->st_uid;
    e->gid = st->st_gid;
    e->mtime = ts_ns(st->st_mtim);
    e->ctime = ts_ns(st->st_ctim);
    e->dev = st->st_dev;
    e->ino = st->st_ino;
}

static void set_error(cctx *c, const rae_err *e) {
    pthread_mutex_lock(&c->mu);
    if (!c->failed) {
        c->failed = 1;
        rae_err_copy(&c->err, e);
    }
    pthread_mutex_unlock(&c->mu);
}

/* A temporary blob name, "wN/blob-PID-SEQ" under DIR/tmp: each worker has a directory of its
 * own, so that creating files does not serialise the workers on one directory's lock. */
static void blob_tmp_name(cctx *c, int worker, char *out, size_t n) {
    char name[48];
    ckpt_tmp_name(name, sizeof name, "blob", ++c->tmpseq);
    snprintf(out, n, "w%d/%s", worker, name);
}

/* Claims hash for writing: 1 when the caller must write it (a pending slot is made, *out), 0 when
 * the store has it or another worker writes it. Under mu. */
static int claim(cctx *c, int worker, const unsigned char *hash, pending **out) {
    int created;
    void **slot = smap_slot(c->pending, (const char *)hash, CKPT_HASH, &created);
    if (!created) return 0;
    if (ckpt_blob_find(c->s, hash, NULL, NULL)) {
        *slot = c; /* known present: any non-NULL, non-pending marker */
        return 0;
    }
    pending *p = arena_alloc(c->pa, sizeof *p);
    memcpy(p->hash, hash, CKPT_HASH);
    blob_tmp_name(c, worker, p->tmp, sizeof p->tmp);
    *slot = p;
    *out = p;
    return 1;
}

typedef struct wbufs {
    int id; /* the worker's number: its directory DIR/tmp/wN */
    unsigned char *in, *out;
    size_t in_cap, out_cap;
    ZSTD_CCtx *z;
} wbufs;

static int open_tmp(cctx *c, const char *name, rae_err *err) {
    int fd = openat(c->s->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) rae_err_fail(err, "%s/tmp/%s: %s", c->s->dir, name, ckpt_errtext(errno));
    return fd;
}

/* Reads the whole of a small file (n bytes, possibly grown) in memory; writes a new blob. */
static int store_small(cctx *c, wbufs *w, ckpt_entry *e, int fd, rae_err *err) {
    size_t n = 0;
    for (;;) {
        if (n == w->in_cap) {
            w->in_cap *= 2;
            w->in = realloc(w->in, w->in_cap);
            if (!w->in) abort();
        }
        ssize_t r = read(fd, w->in + n, w->in_cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rae_err_fail(err, "%s/%s: read: %s", c->root, e->path, strerror(errno));
            return -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    crypto_generichash(e->hash, CKPT_HASH, w->in, n, NULL, 0);
    e->size = n;
    pending *p = NULL;
    pthread_mutex_lock(&c->mu);
    c->read_files++;
    c->read_bytes += n;
    int mine = claim(c, w->id, e->hash, &p);
    pthread_mutex_unlock(&c->mu);
    if (!mine) return 0;
    const void *data = w->in;
    size_t len = n;
    if (w->z && n > 64) {
        size_t bound = ZSTD_compressBound(n);
        if (bound > w->out_cap) {
            w->out_cap = bound;
            w->out = realloc(w->out, w->out_cap);
            if (!w->out) abort();
        }
        size_t z = ZSTD_compress2(w->z, w->out, w->out_cap, w->in, n);
        if (!ZSTD_isError(z) && z < n) {
            data = w->out;
            len = z;
            p->zst = 1;
        }
    }
    int out = open_tmp(c, p->tmp, err);
    if (out < 0) return -1;
    int rc = fs_write_all(out, data, len);
    int werr = errno;
    /* start the writeback now, so that the syncfs before the commit finds less to do */
    if (rc == 0 && c->s->sync) sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (close(out) < 0 && rc == 0) {
        rc = -1;
        werr = errno;
    }
    if (rc < 0) {
        rae_err_fail(err, "%s/tmp/%s: write: %s", c->s->dir, p->tmp, ckpt_errtext(werr));
        return -1;
    }
    pthread_mutex_lock(&c->mu);
    p->stored = len;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* Streams a large file into a temporary blob while hashing it; keeps the blob when it is new. */
static int store_large(cctx *c, wbufs *w, ckpt_entry *e, int fd, rae_err *err) {
    char tmp[64];
    pthread_mutex_lock(&c->mu);
    blob_tmp_name(c, w->id, tmp, sizeof tmp);
    pthread_mutex_unlock(&c->mu);
    int out = open_tmp(c, tmp, err);
    if (out < 0) return -1;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CKPT_HASH);
    unsigned long long n = 0, stored = 0;
    if (w->z) ZSTD_CCtx_reset(w->z, ZSTD_reset_session_only);
    for (int eof = 0; !eof;) {
        ssize_t r = read(fd, w->in, w->in_cap);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rae_err_fail(err, "%s/%s: read: %s", c->root, e->path, strerror(errno));
            goto fail;
        }
        eof = r == 0;
        crypto_generichash_update(&st, w->in, (size_t)r);
        n += (size_t)r;
        if (!w->z) {
            if (r && fs_write_all(out, w->in, (size_t)r) < 0) goto write_fail;
            stored += (size_t)r;
            continue;
        }
        ZSTD_inBuffer in = {w->in, (size_t)r, 0};
        for (;;) {
            ZSTD_outBuffer o = {w->out, w->out_cap, 0};
            size_t left = ZSTD_compressStream2(w->z, &o, &in, eof ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(left)) {
                rae_err_fail(err, "%s/tmp/%s: zstd: %s", c->s->dir, tmp, ZSTD_getErrorName(left));
                goto fail;
            }
            if (o.pos && fs_write_all(out, w->out, o.pos) < 0) goto write_fail;
            stored += o.pos;
            if (eof ? left == 0 : in.pos == in.size) break;
        }
    }
    if (c->s->sync) sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (close(out) < 0) {
        out = -1;
        goto write_fail;
    }
    crypto_generichash_final(&st, e->hash, CKPT_HASH);
    e->size = n;
    pending *p = NULL;
    pthread_mutex_lock(&c->mu);
    c->read_files++;
    c->read_bytes += n;
    int mine = claim(c, w->id, e->hash, &p);
    if (mine) {
        snprintf(p->tmp, sizeof p->tmp, "%s", tmp);
        p->zst = w->z != NULL;
        p->stored = stored;
    }
    pthread_mutex_unlock(&c->mu);
    if (!mine) unlinkat(c->s->tmpfd, tmp, 0);
    return 0;
write_fail:
    rae_err_fail(err, "%s/tmp/%s: write: %s", c->s->dir, tmp, ckpt_errtext(errno));
fail:
    if (out >= 0) close(out);
    unlinkat(c->s->tmpfd, tmp, 0);
    return -1;
}

static void hash_job(cctx *c, wbufs *w, job *j) {
    rae_err err;
    ckpt_entry *e = j->e;
    struct stat a, b;
    for (int attempt = 0;; attempt++) {
        if (fstat(j->fd, &a) < 0) {
            rae_err_fail(&err, "%s/%s: fstat: %s", c->root, e->path, strerror(errno));
            set_error(c, &err);
            return;
        }
        if (!S_ISREG(a.st_mode)) { /* replaced since the walk */
            e->type = 0;
            return;
        }
        if (attempt && lseek(j->fd, 0, SEEK_SET) < 0) {
            rae_err_fail(&err, "%s/%s: lseek: %s", c->root, e->path, strerror(errno));
            set_error(c, &err);
            return;
        }
        int rc = (unsigned long long)a.st_size <= SMALL ? store_small(c, w, e, j->fd, &err)
                                                        : store_large(c, w, e, j->fd, &err);
        if (rc < 0) {
            set_error(c, &err);
            return;
        }
        if (fstat(j->fd, &b) < 0) b = a;
        int changed = ts_ns(a.st_mtim) != ts_ns(b.st_mtim) || a.st_size != b.st_size ||
                      (unsigned long long)a.st_size != e->size;
        entry_stat(e, &a);
        e->racy = changed || e->mtime >= c->racy_after;
        if (!changed || attempt == 2) return; /* written to all along: keep what was read */
    }
}

static void *worker(void *arg) {
    cctx *c = arg;
    wbufs w = {0};
    pthread_mutex_lock(&c->mu);
    w.id = c->started++;
    pthread_mutex_unlock(&c->mu);
    char dir[16];
    snprintf(dir, sizeof dir, "w%d", w.id);
    if (mkdirat(c->s->tmpfd, dir, 0700) < 0 && errno != EEXIST) {
        rae_err err;
        rae_err_fail(&err, "%s/tmp/%s: mkdir: %s", c->s->dir, dir, ckpt_errtext(errno));
        set_error(c, &err);
    }
    w.in_cap = SMALL + 1; /* one more byte shows a file that grew */
    w.in = malloc(w.in_cap);
    if (!w.in) abort();
    if (c->s->level) {
        w.z = ZSTD_createCCtx();
        if (!w.z) abort();
        ZSTD_CCtx_setParameter(w.z, ZSTD_c_compressionLevel, c->s->level);
        w.out_cap = ZSTD_compressBound(SMALL + 1);
        w.out = malloc(w.out_cap);
        if (!w.out) abort();
    }
    for (;;) {
        pthread_mutex_lock(&c->mu);
        while (!c->qlen && !c->done)
            pthread_cond_wait(&c->can_get, &c->mu);
        if (!c->qlen) {
            pthread_mutex_unlock(&c->mu);
            break;
        }
        job j = c->q[c->qhead];
        c->qhead = (c->qhead + 1) % QCAP;
        c->qlen--;
        int failed = c->failed;
        pthread_cond_signal(&c->can_put);
        pthread_mutex_unlock(&c->mu);
        if (!failed) hash_job(c, &w, &j);
        close(j.fd);
    }
    free(w.in);
    free(w.out);
    ZSTD_freeCCtx(w.z);
    return NULL;
}

/* Queues a file for the workers (starting one more while they are behind); -1 when one failed. */
static int push(cctx *c, ckpt_entry *e, int fd) {
    pthread_mutex_lock(&c->mu);
    if (c->nth < c->maxth && (c->nth == 0 || c->qlen > 0)) {
        int perr = pthread_create(&c->th[c->nth], NULL, worker, c);
        if (perr == 0) {
            c->nth++;
        } else if (c->nth == 0 && !c->failed) {
            c->failed = 1;
            rae_err_fail(&c->err, "%s: pthread_create: %s", c->root, strerror(perr));
        }
    }
    while (c->qlen == QCAP && !c->failed)
        pthread_cond_wait(&c->can_put, &c->mu);
    int failed = c->failed;
    if (!failed) {
        c->q[(c->qhead + c->qlen) % QCAP] = (job){e, fd};
        c->qlen++;
        pthread_cond_signal(&c->can_get);
    }
    pthread_mutex_unlock(&c->mu);
    if (failed) close(fd);
    return failed ? -1 : 0;
}

typedef struct walker {
    cctx *c;
    ckpt_manifest *m;
    smap *index;
    unsigned long long skipped;
    rae_err err;
} walker;

static int walk_fail(walker *w, const char *path, const char *what, int e) {
    rae_err_fail(&w->err, "%s/%s: %s: %s", w->c->root, path, what, strerror(e));
    return -1;
}

static int walk(walker *w, int dirfd, const char *rel, int depth);

static int visit(walker *w, int dirfd, const char *name, const char *rel, int depth) {
    cctx *c = w->c;
    struct stat st;
    const char *path =
        !strcmp(rel, ".") ? arena_strdup(w->m->a, name) : arena_printf(w->m->a, "%s/%s", rel, name);
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return 0; /* gone since readdir */
        return walk_fail(w, path, "stat", errno);
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        w->skipped++;
        return 0;
    }
    ckpt_entry *e = ckpt_manifest_add(w->m);
    e->path = (char *)path;
    entry_stat(e, &st);
    e->size = (unsigned long long)st.st_size;
    if (S_ISDIR(st.st_mode)) {
        e->type = 'd';
        e->size = 0;
        if (st.st_dev == c->s->dev && st.st_ino == c->s->ino) {
            rae_err_fail(&w->err, "%s/%s: holds the checkpoint store %s; refusing", c->root, path,
                         c->s->dir);
            return -1;
        }
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
                e->type = 0; /* replaced since the stat */
                return 0;
            }
            return walk_fail(w, path, "open", errno);
        }
        return walk(w, fd, path, depth + 1);
    }
    if (S_ISLNK(st.st_mode)) {
        e->type = 'l';
        e->mode = 0777;
        e->size = 0;
        size_t cap = (size_t)st.st_size + 2;
        char *t = arena_alloc(w->m->a, cap);
        ssize_t n = readlinkat(dirfd, name, t, cap);
        if (n < 0) {
            if (errno == ENOENT || errno == EINVAL) {
                e->type = 0;
                return 0;
            }
            return walk_fail(w, path, "readlink", errno);
        }
        if ((size_t)n >= cap - 1 || n == 0) { /* grew since the stat: take it next time */
            e->type = 0;
            return 0;
        }
        t[n] = '\0';
        e->target = t;
        return 0;
    }
    e->type = 'f';
    ckpt_idx *x = smap_get(w->index, path, strlen(path));
    if (x && x->dev == e->dev && x->ino == e->ino && x->size == e->size && x->mtime == e->mtime &&
        x->mtime < c->racy_after && ckpt_blob_find(c->s, x->hash, NULL, NULL)) {
        memcpy(e->hash, x->hash, CKPT_HASH);
        return 0;
    }
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    int fd = openat(dirfd, name, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = openat(dirfd, name, flags);
    if (fd < 0) {
        if (errno == ENOENT || errno == ELOOP) {
            e->type = 0;
            return 0;
        }
        return walk_fail(w, path, "open", errno);
    }
    if (push(c, e, fd) < 0) return -1;
    return 0;
}

static int walk(walker *w, int dirfd, const char *rel, int depth) {
    if (depth > 2048) {
        close(dirfd);
        rae_err_fail(&w->err, "%s/%s: too deep", w->c->root, rel);
        return -1;
    }
    DIR *d = fdopendir(dirfd);
    if (!d) {
        close(dirfd);
        return walk_fail(w, rel, "opendir", errno);
    }
    int rc = 0;
    struct dirent *de;
    errno = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]))) continue;
        rc = visit(w, dirfd, n, rel, depth);
        errno = 0;
    }
    if (rc == 0 && errno) rc = walk_fail(w, rel, "readdir", errno);
    closedir(d);
    return rc;
}

static int entry_cmp(const void *a, const void *b) {
    return ckpt_path_cmp((*(ckpt_entry *const *)a)->path, (*(ckpt_entry *const *)b)->path);
}

/* Makes the written blobs durable (syncfs) and renames them into DIR/blobs; adds their bytes to
 * *added. Returns how many, or -1. */
static int commit_blobs(cctx *c, unsigned long long *added, rae_err *err) {
    ckpt_store *s = c->s;
    size_t n = smap_count(c->pending);
    int any = 0;
    for (size_t i = 0; i < n; i++)
        if (smap_value(c->pending, i) != c) any = 1;
    if (!any) return 0;
    if (ckpt_syncfs(s, s->tmpfd, s->dir, err) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        pending *p = smap_value(c->pending, i);
        if ((void *)p == (void *)c) continue;
        char name[80];
        ckpt_blob_name(p->hash, p->zst, name);
        if (renameat(s->tmpfd, p->tmp, s->blobsfd, name) < 0)
            return rae_err_fail(err, "%s/blobs/%s: rename: %s", s->dir, name, ckpt_errtext(errno));
        *added += p->stored;
    }
    return 1;
}

int ckpt_create(ckpt_store *s, const char *root, const char *comment, int automatic, ckpt_info *out,
                rae_err *err) {
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) return rae_err_fail(err, "%s: %s", root, strerror(errno));
    struct stat rst;
    if (fstat(rootfd, &rst) < 0) {
        close(rootfd);
        return rae_err_fail(err, "%s: %s", root, strerror(errno));
    }
    if (ckpt_lock(s, LOCK_EX, err) < 0) {
        close(rootfd);
        return -1;
    }
    ckpt_tmp_clean(s);

    cctx c = {0};
    c.s = s;
    c.root = root;
    c.racy_after = ts_ns(start) - RACY_NS;
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.can_get, NULL);
    pthread_cond_init(&c.can_put, NULL);
    c.pending = smap_new();
    c.pa = arena_new();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    c.maxth = ncpu < 1 ? 1 : ncpu > MAX_WORKERS ? MAX_WORKERS : (int)ncpu;

    ckpt_manifest m = {0};
    m.a = arena_new();
    arena *ia = arena_new();
    char iname[48];
    ckpt_index_name(root, iname);
    walker w = {.c = &c, .m = &m, .index = ckpt_index_load(s, iname, ia)};
    ckpt_entry *re = ckpt_manifest_add(&m);
    re->type = 'd';
    re->path = ".";
    re->mode = rst.st_mode & 07777;
    re->uid = rst.st_uid;
    re->gid = rst.st_gid;
    re->mtime = ts_ns(rst.st_mtim);
    int rc;
    if (rst.st_dev == s->dev && rst.st_ino == s->ino) {
        close(rootfd);
        rc = rae_err_fail(&w.err, "%s: is the checkpoint store", root);
    } else {
        rc = walk(&w, rootfd, ".", 0);
    }

    pthread_mutex_lock(&c.mu);
    c.done = 1;
    if (rc < 0 && !c.failed) c.failed = 1; /* workers drop what is queued */
    pthread_cond_broadcast(&c.can_get);
    pthread_mutex_unlock(&c.mu);
    for (int i = 0; i < c.nth; i++)
        pthread_join(c.th[i], NULL);
    if (c.err.code) /* a worker failed first (the walk then stops with no message of its own) */
        rc = rae_err_copy(err, &c.err);
    else if (rc < 0)
        rae_err_copy(err, &w.err);

    ckpt_info *in = &m.info;
    char tmpname[64] = "";
    if (rc == 0) {
        size_t k = 0;
        for (size_t i = 0; i < m.n; i++) {
            ckpt_entry *e = m.e[i];
            if (!e->type) continue;
            m.e[k++] = e;
            if (e->type == 'f') {
                in->files++;
                in->bytes += e->size;
            } else if (e->type == 'd') {
                in->dirs++;
            } else {
                in->symlinks++;
            }
        }
        m.n = k;
        qsort(m.e, m.n, sizeof *m.e, entry_cmp);
        in->dirs--; /* the root */
        in->skipped = w.skipped;
        in->read_files = c.read_files;
        in->read_bytes = c.read_bytes;
        in->automatic = automatic ? 1 : 0;
        in->time = (double)start.tv_sec + start.tv_nsec / 1e9;
        snprintf(in->comment, sizeof in->comment, "%s", comment ? comment : "");
        rc = commit_blobs(&c, &in->added, err);
    }
    int renamed = rc > 0;
    if (rc > 0) rc = 0;
    if (rc == 0) {
        ckpt_next_id(s, in->time, in->id, sizeof in->id);
        snprintf(tmpname, sizeof tmpname, "manifest-%s", in->id);
        /* with new blobs, one syncfs makes their names and the manifest durable together */
        rc = ckpt_manifest_write(s, &m, tmpname, s->sync && !renamed, err);
        if (rc == 0 && renamed) rc = ckpt_syncfs(s, s->tmpfd, s->dir, err);
    }
    if (rc == 0 && renameat(s->tmpfd, tmpname, s->mansfd, in->id) < 0)
        rc = rae_err_fail(err, "%s/manifests/%s: rename: %s", s->dir, in->id, ckpt_errtext(errno));
    if (rc == 0 && s->sync && fsync(s->mansfd) < 0)
        rc = rae_err_fail(err, "%s/manifests: fsync: %s", s->dir, strerror(errno));
    if (rc == 0) {
        ckpt_save_seq(s, in->id);
        ckpt_index_save(s, iname, m.e, m.n);
        if (out) *out = *in;
    } else {
        ckpt_tmp_clean(s); /* blobs already renamed in stay until the next gc */
    }
    ckpt_unlock(s);
    smap_free(w.index);
    arena_free(ia);
    smap_free(c.pending);
    arena_free(c.pa);
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.can_get);
    pthread_cond_destroy(&c.can_put);
    ckpt_manifest_free(&m);
    return rc;
}

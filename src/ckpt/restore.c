/* ckpt_restore: build the checkpoint's tree as PARENT/.NAME.ckpt-PID-N beside root, every entry
 * made with *at() calls relative to directories this function created (O_NOFOLLOW, O_EXCL), then
 * swap it with root (renameat2 RENAME_EXCHANGE) and remove the old tree. A file of the old tree
 * that the index shows to hold the same content, with the same mode, owner and mtime and no other
 * link, is hard-linked instead of copied (the old tree is removed right after, so the link is not
 * shared); every other file is copied from its blob (FICLONE, copy_file_range, or zstd). */
#include "ckpt/ckpt.h"
#include "ckpt/internal.h"
#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define RACY_NS 1000000000LL
#define QCAP 64
#define MAX_WORKERS 4

typedef struct level {
    const char *path;
    size_t plen;
    int newfd, oldfd;
} level;

typedef struct rjob {
    int dirfd; /* a dup of the new directory's fd, closed by the worker */
    ckpt_entry *e;
} rjob;

typedef struct rctx {
    ckpt_store *s;
    const char *root;
    smap *index;
    uid_t euid;
    gid_t egid;
    long long racy_after;
    /* the copying workers */
    pthread_mutex_t mu;
    pthread_cond_t can_get, can_put;
    rjob q[QCAP];
    size_t qhead, qlen;
    int done, failed, nth, maxth;
    pthread_t th[MAX_WORKERS];
    rae_err err;
} rctx;

/* What one thread needs to copy files. */
typedef struct wctx {
    rctx *r;
    unsigned char *buf;
    size_t buf_cap;
    ZSTD_DCtx *dz;
    int can_clone, can_cfr;
    rae_err err;
} wctx;

static long long ts_ns(struct timespec t) {
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int fail(wctx *w, const char *path, const char *what, int e) {
    rae_err_fail(&w->err, "%s/%s: %s: %s", w->r->root, path, what,
                 e == ENOSPC ? "No space left on device (the workspace's disk is full)"
                             : strerror(e));
    return -1;
}

static void set_error(rctx *r, const rae_err *e) {
    pthread_mutex_lock(&r->mu);
    if (!r->failed) {
        r->failed = 1;
        rae_err_copy(&r->err, e);
    }
    pthread_mutex_unlock(&r->mu);
}

static void wctx_init(wctx *w, rctx *r) {
    memset(w, 0, sizeof *w);
    w->r = r;
    w->can_clone = w->can_cfr = 1;
    w->buf_cap = 1 << 20;
    w->buf = malloc(w->buf_cap);
    if (!w->buf) abort();
}

static void wctx_free(wctx *w) {
    free(w->buf);
    ZSTD_freeDCtx(w->dz);
}

/* uid/gid/mode/mtime of an entry on fd (or name under dirfd for a symlink). */
static int set_meta(wctx *w, int fd, int dirfd, const char *name, ckpt_entry *e) {
    rctx *r = w->r;
    if (r->euid != e->uid || r->egid != e->gid) {
        int rc = fd >= 0 ? fchown(fd, e->uid, e->gid)
                         : fchownat(dirfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
        if (rc < 0 && (r->euid == 0 || (errno != EPERM && errno != EINVAL)))
            return fail(w, e->path, "chown", errno);
    }
    if (fd >= 0 && fchmod(fd, e->mode) < 0) return fail(w, e->path, "chmod", errno);
    struct timespec ts[2] = {{0, UTIME_OMIT}, {e->mtime / 1000000000LL, e->mtime % 1000000000LL}};
    if (ts[1].tv_nsec < 0) { /* before 1970 */
        ts[1].tv_sec--;
        ts[1].tv_nsec += 1000000000LL;
    }
    int rc = fd >= 0 ? futimens(fd, ts) : utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
    if (rc < 0) return fail(w, e->path, "utimensat", errno);
    return 0;
}

static int copy_raw(wctx *w, int in, int out, ckpt_entry *e) {
    if (w->can_clone && e->size) {
        if (ioctl(out, FICLONE, in) == 0) return 0;
        w->can_clone = 0;
    }
    unsigned long long done = 0;
    while (done < e->size && w->can_cfr) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, e->size - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS ||
                      errno == EBADF)) {
            w->can_cfr = 0;
            break;
        }
        if (n < 0) return fail(w, e->path, "copy_file_range", errno);
        if (n == 0) return fail(w, e->path, "blob shorter than the manifest says", EIO);
        done += (size_t)n;
    }
    while (done < e->size) {
        ssize_t n = read(in, w->buf, w->buf_cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(w, e->path, "read blob", errno);
        if (n == 0) return fail(w, e->path, "blob shorter than the manifest says", EIO);
        if (fs_write_all(out, w->buf, (size_t)n) < 0) return fail(w, e->path, "write", errno);
        done += (size_t)n;
    }
    return 0;
}

static int copy_zst(wctx *w, int in, int out, ckpt_entry *e) {
    if (!w->dz && !(w->dz = ZSTD_createDCtx())) abort();
    ZSTD_DCtx_reset(w->dz, ZSTD_reset_session_only);
    size_t in_cap = ZSTD_DStreamInSize(), half = w->buf_cap / 2;
    if (in_cap > half) in_cap = half;
    unsigned char *ib = w->buf, *ob = w->buf + in_cap;
    size_t out_cap = w->buf_cap - in_cap, last = 1;
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(in, ib, in_cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(w, e->path, "read blob", errno);
        if (n == 0) break;
        ZSTD_inBuffer ibuf = {ib, (size_t)n, 0};
        while (ibuf.pos < ibuf.size) {
            ZSTD_outBuffer obuf = {ob, out_cap, 0};
            last = ZSTD_decompressStream(w->dz, &obuf, &ibuf);
            if (ZSTD_isError(last)) {
                rae_err_fail(&w->err, "%s/%s: damaged blob: zstd: %s", w->r->root, e->path,
                             ZSTD_getErrorName(last));
                return -1;
            }
            if (obuf.pos && fs_write_all(out, ob, obuf.pos) < 0)
                return fail(w, e->path, "write", errno);
            total += obuf.pos;
        }
    }
    if (last != 0 || total != e->size)
        return fail(w, e->path, "damaged blob (size differs from the manifest)", EIO);
    return 0;
}

/* Creates e (a regular file) under dirfd from its blob. */
static int copy_file(wctx *w, int dirfd, ckpt_entry *e) {
    rctx *r = w->r;
    const char *slash = strrchr(e->path, '/');
    const char *name = slash ? slash + 1 : e->path;
    int zst;
    struct stat st;
    char blob[80];
    if (!ckpt_blob_find(r->s, e->hash, &zst, &st)) {
        ckpt_blob_name(e->hash, 0, blob);
        rae_err_fail(&w->err, "%s/blobs/%s: missing (for %s): the store is damaged", r->s->dir,
                     blob, e->path);
        return -1;
    }
    ckpt_blob_name(e->hash, zst, blob);
    if (!zst && (unsigned long long)st.st_size != e->size) {
        rae_err_fail(&w->err, "%s/blobs/%s: %lld bytes, the manifest says %llu (for %s)", r->s->dir,
                     blob, (long long)st.st_size, e->size, e->path);
        return -1;
    }
    int in = openat(r->s->blobsfd, blob, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) {
        rae_err_fail(&w->err, "%s/blobs/%s: %s", r->s->dir, blob, strerror(errno));
        return -1;
    }
    int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return fail(w, e->path, "create", errno);
    }
    int rc = zst ? copy_zst(w, in, out, e) : copy_raw(w, in, out, e);
    close(in);
    if (rc == 0) rc = set_meta(w, out, -1, NULL, e);
    if (rc == 0 && r->s->sync >= CKPT_SYNC_ALL) /* start the writeback now: see the syncfs */
        sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (rc == 0 && fstat(out, &st) == 0) {
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->ctime = ts_ns(st.st_ctim);
        e->racy = e->mtime >= r->racy_after;
    }
    if (close(out) < 0 && rc == 0) rc = fail(w, e->path, "close", errno);
    return rc;
}

static void *worker(void *arg) {
    rctx *r = arg;
    wctx w;
    wctx_init(&w, r);
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->qlen && !r->done)
            pthread_cond_wait(&r->can_get, &r->mu);
        if (!r->qlen) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        rjob j = r->q[r->qhead];
        r->qhead = (r->qhead + 1) % QCAP;
        r->qlen--;
        int failed = r->failed;
        pthread_cond_signal(&r->can_put);
        pthread_mutex_unlock(&r->mu);
        if (!failed && copy_file(&w, j.dirfd, j.e) < 0) set_error(r, &w.err);
        close(j.dirfd);
    }
    wctx_free(&w);
    return NULL;
}

/* Hands a file to the workers (the main thread copies it itself when no thread can start). */
static int push(rctx *r, wctx *self, int dirfd, ckpt_entry *e) {
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return fail(self, e->path, "dup", errno);
    pthread_mutex_lock(&r->mu);
    if (r->nth < r->maxth && (r->nth == 0 || r->qlen > 0) &&
        pthread_create(&r->th[r->nth], NULL, worker, r) == 0)
        r->nth++;
    if (r->nth == 0) {
        pthread_mutex_unlock(&r->mu);
        int rc = copy_file(self, fd, e);
        close(fd);
        return rc;
    }
    while (r->qlen == QCAP && !r->failed)
        pthread_cond_wait(&r->can_put, &r->mu);
    int failed = r->failed;
    if (!failed) {
        r->q[(r->qhead + r->qlen) % QCAP] = (rjob){fd, e};
        r->qlen++;
        pthread_cond_signal(&r->can_get);
    }
    pthread_mutex_unlock(&r->mu);
    if (failed) {
        close(fd);
        rae_err_fail(&self->err, "%s", "a copy failed");
        return -1;
    }
    return 0;
}

/* Hard-links name from the old tree when the index vouches that it holds e exactly. */
static int try_link(wctx *w, level *top, const char *name, ckpt_entry *e) {
    rctx *r = w->r;
    struct stat st;
    ckpt_idx *x = top->oldfd >= 0 ? smap_get(r->index, e->path, strlen(e->path)) : NULL;
    if (!x || memcmp(x->hash, e->hash, CKPT_HASH) != 0 ||
        fstatat(top->oldfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        st.st_nlink != 1 || st.st_dev != x->dev || st.st_ino != x->ino ||
        (unsigned long long)st.st_size != x->size || ts_ns(st.st_mtim) != x->mtime ||
        x->mtime != e->mtime || (st.st_mode & 07777) != e->mode || st.st_uid != e->uid ||
        st.st_gid != e->gid || linkat(top->oldfd, name, top->newfd, name, 0) < 0)
        return 0;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->ctime = ts_ns(st.st_ctim);
    e->racy = e->mtime >= r->racy_after;
    return 1;
}

static void close_level(level *l) {
    close(l->newfd);
    if (l->oldfd >= 0) close(l->oldfd);
}

/* Makes m's directories, symlinks and links in the empty directory newfd and hands the files to
 * copy to the workers; oldfd (or -1) is the tree being replaced. */
static int build(wctx *w, ckpt_manifest *m, int newfd, int oldfd) {
    rctx *r = w->r;
    size_t cap = 16, depth = 1;
    level *st = malloc(cap * sizeof *st);
    if (!st) abort();
    st[0] = (level){".", 1, newfd, oldfd};
    int rc = 0;
    for (size_t i = 1; i < m->n && rc == 0; i++) {
        ckpt_entry *e = m->e[i];
        const char *slash = strrchr(e->path, '/');
        const char *name = slash ? slash + 1 : e->path;
        const char *ppath = slash ? e->path : ".";
        size_t plen = slash ? (size_t)(slash - e->path) : 1;
        while (depth > 1 &&
               !(st[depth - 1].plen == plen && !memcmp(st[depth - 1].path, ppath, plen)))
            close_level(&st[--depth]);
        level *top = &st[depth - 1];
        if (!(top->plen == plen && !memcmp(top->path, ppath, plen))) {
            rae_err_fail(&w->err,
                         "%s/manifests/%s: damaged manifest: '%s' is not inside a directory of the "
                         "checkpoint",
                         r->s->dir, m->info.id, e->path);
            rc = -1;
            break;
        }
        if (e->type == 'd') {
            if (mkdirat(top->newfd, name, 0700) < 0) {
                rc = fail(w, e->path, "mkdir", errno);
                break;
            }
            int fd = openat(top->newfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                rc = fail(w, e->path, "open", errno);
                break;
            }
            int ofd = top->oldfd >= 0 ? openat(top->oldfd, name,
                                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                      : -1;
            if (depth == cap) {
                cap *= 2;
                st = realloc(st, cap * sizeof *st);
                if (!st) abort();
            }
            st[depth++] = (level){e->path, strlen(e->path), fd, ofd};
        } else if (e->type == 'l') {
            if (symlinkat(e->target, top->newfd, name) < 0)
                rc = fail(w, e->path, "symlink", errno);
            else
                rc = set_meta(w, -1, top->newfd, name, e);
        } else if (!try_link(w, top, name, e)) {
            rc = push(r, w, top->newfd, e);
        }
    }
    while (depth > 1)
        close_level(&st[--depth]);
    free(st);
    return rc;
}

/* Owner, mode and mtime of every directory, deepest first: after every entry was made in them. */
static int finish_dirs(wctx *w, ckpt_manifest *m, int newfd) {
    for (size_t i = m->n; i-- > 1;) {
        ckpt_entry *e = m->e[i];
        if (e->type != 'd') continue;
        int fd = openat(newfd, e->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return fail(w, e->path, "open", errno);
        int rc = set_meta(w, fd, -1, NULL, e);
        close(fd);
        if (rc < 0) return -1;
    }
    return set_meta(w, newfd, -1, NULL, m->e[0]);
}

/* Builds the tree with the workers; -1 with r->err. */
static int build_all(rctx *r, ckpt_manifest *m, int newfd, int oldfd) {
    wctx w;
    wctx_init(&w, r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->can_get, NULL);
    pthread_cond_init(&r->can_put, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    r->maxth = ncpu < 1 ? 1 : ncpu > MAX_WORKERS ? MAX_WORKERS : (int)ncpu;
    int rc = build(&w, m, newfd, oldfd);
    pthread_mutex_lock(&r->mu);
    r->done = 1;
    if (rc < 0 && !r->failed) {
        r->failed = 1; /* the workers drop what is queued */
        rae_err_copy(&r->err, &w.err);
    }
    pthread_cond_broadcast(&r->can_get);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->nth; i++)
        pthread_join(r->th[i], NULL);
    rc = r->failed ? -1 : 0;
    if (rc == 0 && finish_dirs(&w, m, newfd) < 0) {
        rae_err_copy(&r->err, &w.err);
        rc = -1;
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->can_get);
    pthread_cond_destroy(&r->can_put);
    wctx_free(&w);
    return rc;
}

/* Removes .NAME.ckpt-PID-* beside root left by a restore that was killed. */
static void clean_stale(int pfd, const char *prefix) {
    int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    size_t plen = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, prefix, plen) != 0) continue;
        long pid = strtol(de->d_name + plen, NULL, 10);
        if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
            ckpt_rm_tree(pfd, de->d_name);
    }
    closedir(d);
}

int ckpt_restore(ckpt_store *s, const char *id, const char *root, rae_err *err) {
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    char parent[4096], name[256];
    size_t len = strlen(root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    const char *slash = memrchr(root, '/', len);
    const char *base = slash ? slash + 1 : root;
    size_t blen = len - (size_t)(base - root);
    if (!blen || blen >= sizeof name || (blen == 1 && base[0] == '.') ||
        (blen == 2 && base[0] == '.' && base[1] == '.'))
        return rae_err_fail(err, "%s: cannot restore into this path", root);
    memcpy(name, base, blen);
    name[blen] = '\0';
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == root)
        snprintf(parent, sizeof parent, "/");
    else if (snprintf(parent, sizeof parent, "%.*s", (int)(slash - root), root) >=
             (int)sizeof parent)
        return rae_err_fail(err, "%s: path too long", root);

    if (ckpt_lock(s, LOCK_SH, err) < 0) return -1;
    ckpt_manifest m;
    int rc = ckpt_manifest_load(s, id, 1, &m, err);
    int pfd = -1, oldfd = -1, newfd = -1, built = 0;
    char tmp[300], prefix[280];
    snprintf(prefix, sizeof prefix, ".%.200s.ckpt-", name);
    snprintf(tmp, sizeof tmp, "%s%ld-%08x", prefix, (long)getpid(), randombytes_random());
    rctx r = {.s = s,
              .root = root,
              .euid = geteuid(),
              .egid = getegid(),
              .racy_after = ts_ns(start) - RACY_NS};
    arena *ia = arena_new();
    char iname[48], full[4096 + 256];
    snprintf(full, sizeof full, "%s%s%s", parent, strcmp(parent, "/") ? "/" : "", name);
    ckpt_index_name(full, iname);
    if (rc == 0 && (pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = rae_err_fail(err, "%s: %s", parent, strerror(errno));
    if (rc == 0) {
        oldfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (oldfd < 0 && errno != ENOENT)
            rc = rae_err_fail(err, "%s: %s", root,
                              errno == ELOOP ? "is a symlink" : strerror(errno));
        else if (oldfd >= 0)
            rc = ckpt_check_outside(s, oldfd, root, err);
        struct stat a, b;
        if (rc == 0 && oldfd >= 0 && fstat(oldfd, &a) == 0 && fstat(pfd, &b) == 0 &&
            a.st_dev != b.st_dev)
            rc =
                rae_err_fail(err,
                             "%s: is a mount point; a restore swaps the directory, so it must be a "
                             "plain directory of its file system",
                             root);
    }
    if (rc == 0) {
        clean_stale(pfd, prefix);
        if (mkdirat(pfd, tmp, 0700) < 0 ||
            (newfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            rc = rae_err_fail(err, "%s/%s: mkdir: %s", parent, tmp, strerror(errno));
        else
            built = 1;
    }
    if (rc == 0) {
        r.index = oldfd >= 0 ? ckpt_index_load(s, iname, ia) : smap_new();
        if (build_all(&r, &m, newfd, oldfd) < 0) rc = rae_err_copy(err, &r.err);
    }
    if (rc == 0 && s->sync >= CKPT_SYNC_ALL) rc = ckpt_syncfs(s, newfd, root, err);
    const char *remove = NULL;
    char old2[300];
    if (rc == 0 && oldfd >= 0) {
        if (renameat2(pfd, tmp, pfd, name, RENAME_EXCHANGE) == 0) {
            remove = tmp;
        } else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
            snprintf(old2, sizeof old2, "%s%ld-%08x", prefix, (long)getpid(), randombytes_random());
            if (renameat(pfd, name, pfd, old2) < 0) {
                rc = rae_err_fail(err, "%s: rename: %s", root, strerror(errno));
            } else if (renameat(pfd, tmp, pfd, name) < 0) {
                rc = rae_err_fail(err, "%s: rename: %s", root, strerror(errno));
                renameat(pfd, old2, pfd, name);
            } else {
                remove = old2;
            }
        } else {
            rc = rae_err_fail(err, "%s: renameat2(RENAME_EXCHANGE): %s", root, strerror(errno));
        }
    } else if (rc == 0) {
        if (renameat2(pfd, tmp, pfd, name, RENAME_NOREPLACE) < 0 &&
            (errno != EINVAL || renameat(pfd, tmp, pfd, name) < 0))
            rc = rae_err_fail(err, "%s: rename: %s", root, strerror(errno));
    }
    if (rc == 0) {
        built = 0;
        if (s->sync >= CKPT_SYNC_ALL) fsync(pfd); /* the swap is done: no failure any more */
        if (oldfd >= 0) close(oldfd);
        oldfd = -1;
        if (remove) ckpt_rm_tree(pfd, remove); /* a leftover is removed by the next restore */
        ckpt_index_save(s, iname, m.e, m.n);
    }
    if (built) ckpt_rm_tree(pfd, tmp);
    if (newfd >= 0) close(newfd);
    if (oldfd >= 0) close(oldfd);
    if (pfd >= 0) close(pfd);
    ckpt_unlock(s);
    smap_free(r.index);
    arena_free(ia);
    ckpt_manifest_free(&m);
    return rc;
}

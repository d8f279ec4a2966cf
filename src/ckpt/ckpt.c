/* ckpt: the store — opening, locking, listing, deleting, pruning and collecting blobs.
 * Creating is in create.c, restoring in restore.c, the manifest format in
 * manifest.c. */
#include "ckpt/ckpt.h"
#include "ckpt/internal.h"
#include "util/fsutil.h"
#include "util/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define FORMAT_LINE "rae-checkpoints 1\n"

const char *ckpt_errtext(int e) {
    return e == ENOSPC ? "No space left on device (the store's disk is full)" : strerror(e);
}

int ckpt_lock(ckpt_store *s, int op, rae_err *err) {
    while (flock(s->lockfd, op) < 0) {
        if (errno != EINTR) return rae_err_fail(err, "%s/lock: flock: %s", s->dir, strerror(errno));
    }
    return 0;
}

void ckpt_unlock(ckpt_store *s) {
    flock(s->lockfd, LOCK_UN);
}

void ckpt_tmp_name(char *out, size_t n, const char *prefix, unsigned long long seq) {
    snprintf(out, n, "%s-%ld-%llu", prefix, (long)getpid(), seq);
}

int ckpt_rm_tree(int dirfd, const char *name) {
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700) fchmod(fd, 0700);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]))) continue;
        if (de->d_type == DT_DIR) {
            if (ckpt_rm_tree(fd, n) < 0) rc = -1;
        } else if (unlinkat(fd, n, 0) < 0 && errno != ENOENT) {
            if (ckpt_rm_tree(fd, n) < 0) rc = -1;
        }
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
    return rc;
}

void ckpt_tmp_clean(ckpt_store *s) {
    int fd = openat(s->tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]))) continue;
        ckpt_rm_tree(s->tmpfd, n);
    }
    closedir(d);
}

int ckpt_syncfs(ckpt_store *s, int fd, const char *what, rae_err *err) {
    if (!s->sync) return 0;
    if (syncfs(fd) < 0) return rae_err_fail(err, "%s: syncfs: %s", what, strerror(errno));
    return 0;
}

int ckpt_check_outside(ckpt_store *s, int rootfd, const char *root, rae_err *err) {
    struct stat rs, st, up;
    if (fstat(rootfd, &rs) < 0) return rae_err_fail(err, "%s: %s", root, strerror(errno));
    int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int depth = 0; fd >= 0 && depth < 4096; depth++) {
        if (fstat(fd, &st) < 0) break;
        if (st.st_dev == rs.st_dev && st.st_ino == rs.st_ino) {
            close(fd);
            return rae_err_fail(err, "%s: holds the checkpoint store %s; refusing", root, s->dir);
        }
        int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(fd);
        fd = parent;
        if (fd < 0 || fstat(fd, &up) < 0) break;
        if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) break; /* "/" */
    }
    if (fd >= 0) close(fd);
    return 0;
}

void ckpt_hex(const unsigned char h[CKPT_HASH], char out[2 * CKPT_HASH + 1]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < CKPT_HASH; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * CKPT_HASH] = '\0';
}

int ckpt_unhex(const char *s, size_t n, unsigned char h[CKPT_HASH]) {
    if (n != 2 * CKPT_HASH) return -1;
    for (int i = 0; i < CKPT_HASH; i++) {
        int a = text_hex_digit(s[2 * i]), b = text_hex_digit(s[2 * i + 1]);
        if (a < 0 || b < 0) return -1;
        h[i] = (unsigned char)(a << 4 | b);
    }
    return 0;
}

void ckpt_blob_name(const unsigned char h[CKPT_HASH], int zst, char out[80]) {
    char hex[2 * CKPT_HASH + 1];
    ckpt_hex(h, hex);
    snprintf(out, 80, "%.2s/%s%s", hex, hex, zst ? ".zst" : "");
}

int ckpt_blob_find(ckpt_store *s, const unsigned char h[CKPT_HASH], int *zst, struct stat *st) {
    char name[80];
    struct stat tmp;
    for (int z = 0; z < 2; z++) {
        ckpt_blob_name(h, z, name);
        if (fstatat(s->blobsfd, name, st ? st : &tmp, AT_SYMLINK_NOFOLLOW) == 0) {
            if (zst) *zst = z;
            return 1;
        }
    }
    return 0;
}

/* ---- opening ---- */

static int open_sub(ckpt_store *s, const char *name, int *created, rae_err *err) {
    if (mkdirat(s->dirfd, name, 0700) == 0)
        *created = 1;
    else if (errno != EEXIST)
        return rae_err_fail(err, "%s/%s: mkdir: %s", s->dir, name, strerror(errno));
    int fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return rae_err_fail(err, "%s/%s: %s", s->dir, name, strerror(errno));
    return fd;
}

static int check_format(ckpt_store *s, int *created, rae_err *err) {
    char text[64];
    int fd = openat(s->dirfd, "format", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n < 0) return rae_err_fail(err, "%s/format: read: %s", s->dir, strerror(errno));
        text[n] = '\0';
        if (strcmp(text, FORMAT_LINE) != 0)
            return rae_err_fail(err, "%s/format: not a rae checkpoint store (version 1)", s->dir);
        return 0;
    }
    if (errno != ENOENT) return rae_err_fail(err, "%s/format: %s", s->dir, strerror(errno));
    char tmp[64];
    ckpt_tmp_name(tmp, sizeof tmp, "format", randombytes_random());
    fd = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return rae_err_fail(err, "%s/tmp/%s: %s", s->dir, tmp, strerror(errno));
    size_t len = strlen(FORMAT_LINE);
    if (write(fd, FORMAT_LINE, len) != (ssize_t)len || (s->sync && fdatasync(fd) < 0)) {
        int e = errno;
        close(fd);
        unlinkat(s->tmpfd, tmp, 0);
        return rae_err_fail(err, "%s/tmp/%s: write: %s", s->dir, tmp, strerror(e));
    }
    close(fd);
    if (renameat(s->tmpfd, tmp, s->dirfd, "format") < 0)
        return rae_err_fail(err, "%s/format: rename: %s", s->dir, strerror(errno));
    *created = 1;
    return 0;
}

ckpt_store *ckpt_store_open(const char *dir, int zstd_level, rae_err *err) {
    if (zstd_level < 0 || zstd_level > ZSTD_maxCLevel()) {
        rae_err_fail(err, "%s: zstd level %d is not in 0-%d", dir, zstd_level, ZSTD_maxCLevel());
        return NULL;
    }
    if (sodium_init() < 0) {
        rae_err_fail(err, "%s: libsodium could not be initialised", dir);
        return NULL;
    }
    if (fs_mkdirs(dir, 0755, 0700) < 0) {
        rae_err_fail(err, "%s: mkdir: %s", dir, strerror(errno));
        return NULL;
    }
    ckpt_store *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->dir = strdup(dir);
    if (!s->dir) abort();
    s->blobsfd = s->mansfd = s->tmpfd = s->lockfd = -1;
    s->level = zstd_level;
    s->sync = CKPT_SYNC_STORE;
    int created = 0;
    struct stat st;
    s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0 || fstat(s->dirfd, &st) < 0) {
        rae_err_fail(err, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    if ((s->tmpfd = open_sub(s, "tmp", &created, err)) < 0) goto fail;
    if (check_format(s, &created, err) < 0) goto fail;
    if ((s->blobsfd = open_sub(s, "blobs", &created, err)) < 0) goto fail;
    if ((s->mansfd = open_sub(s, "manifests", &created, err)) < 0) goto fail;
    s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lockfd < 0) {
        rae_err_fail(err, "%s/lock: %s", dir, strerror(errno));
        goto fail;
    }
    int fan_created = 0;
    for (int i = 0; i < 256; i++) {
        char name[3];
        snprintf(name, sizeof name, "%02x", i);
        if (mkdirat(s->blobsfd, name, 0700) == 0)
            fan_created = 1;
        else if (errno != EEXIST) {
            rae_err_fail(err, "%s/blobs/%s: mkdir: %s", dir, name, strerror(errno));
            goto fail;
        }
    }
    if (s->sync && (created || fan_created) && (fsync(s->blobsfd) < 0 || fsync(s->dirfd) < 0)) {
        rae_err_fail(err, "%s: fsync: %s", dir, strerror(errno));
        goto fail;
    }
    /* Leftovers of a killed writer; a live one holds the lock and keeps its files. */
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) == 0) {
        ckpt_tmp_clean(s);
        ckpt_unlock(s);
    }
    return s;
fail:
    ckpt_store_free(s);
    return NULL;
}

void ckpt_store_free(ckpt_store *s) {
    if (!s) return;
    int fds[] = {s->dirfd, s->blobsfd, s->mansfd, s->tmpfd, s->lockfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0) close(fds[i]);
    free(s->dir);
    free(s);
}

void ckpt_store_set_sync(ckpt_store *s, int level) {
    s->sync = level <= CKPT_SYNC_NONE  ? CKPT_SYNC_NONE
              : level >= CKPT_SYNC_ALL ? CKPT_SYNC_ALL
                                       : CKPT_SYNC_STORE;
}

/* ---- listing ---- */

static unsigned long long id_seq(const char *id) {
    return id[0] == 'c' ? strtoull(id + 1, NULL, 10) : 0;
}

static int info_cmp(const void *a, const void *b) {
    const ckpt_info *x = a, *y = b;
    unsigned long long p = id_seq(x->id), q = id_seq(y->id);
    if (p != q) return p < q ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Every manifest's header, oldest first (caller frees *out); the caller holds a lock. */
static int list_locked(ckpt_store *s, ckpt_info **out, size_t *n, rae_err *err) {
    *out = NULL;
    *n = 0;
    int fd = openat(s->mansfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return rae_err_fail(err, "%s/manifests: %s", s->dir, strerror(errno));
    }
    size_t cap = 0;
    ckpt_info *v = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (ckpt_id_check(de->d_name) < 0) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            v = realloc(v, cap * sizeof *v);
            if (!v) abort();
        }
        ckpt_manifest m;
        rae_err e2;
        if (ckpt_manifest_load(s, de->d_name, 0, &m, &e2) == 0) {
            v[*n] = m.info;
        } else {
            memset(&v[*n], 0, sizeof v[*n]);
            snprintf(v[*n].id, sizeof v[*n].id, "%.31s", de->d_name);
            v[*n].damaged = 1;
        }
        ckpt_manifest_free(&m);
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(v, *n, sizeof *v, info_cmp);
    *out = v;
    return 0;
}

int ckpt_list(ckpt_store *s, ckpt_info **out, size_t *n, rae_err *err) {
    if (ckpt_lock(s, LOCK_SH, err) < 0) return -1;
    int rc = list_locked(s, out, n, err);
    ckpt_unlock(s);
    return rc;
}

int ckpt_get(ckpt_store *s, const char *id, ckpt_info *out, rae_err *err) {
    if (ckpt_id_check(id) < 0) return rae_err_set(err, RAE_E_NOT_FOUND, "no checkpoint '%s'", id);
    if (ckpt_lock(s, LOCK_SH, err) < 0) return -1;
    ckpt_manifest m;
    int rc = ckpt_manifest_load(s, id, 0, &m, err);
    if (rc == 0 && out) *out = m.info;
    ckpt_manifest_free(&m);
    ckpt_unlock(s);
    return rc;
}

/* ---- deleting ---- */

static int gc_locked(ckpt_store *s, rae_err *err) {
    smap *used = smap_new();
    ckpt_info *v;
    size_t n;
    int rc = list_locked(s, &v, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        ckpt_manifest m;
        if (ckpt_manifest_load(s, v[i].id, 1, &m, err) < 0) {
            rc = -1;
        } else {
            for (size_t j = 0; j < m.n; j++)
                if (m.e[j]->type == 'f') {
                    int created;
                    *smap_slot(used, (const char *)m.e[j]->hash, CKPT_HASH, &created) = used;
                }
        }
        ckpt_manifest_free(&m);
    }
    free(v);
    if (rc < 0) {
        smap_free(used);
        return -1;
    }
    int removed = 0;
    for (int i = 0; i < 256; i++) {
        char sub[3];
        snprintf(sub, sizeof sub, "%02x", i);
        int fd = openat(s->blobsfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            if (fd >= 0) close(fd);
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            const char *name = de->d_name;
            size_t len = strlen(name);
            unsigned char h[CKPT_HASH];
            if (!(len == 2 * CKPT_HASH || (len == 2 * CKPT_HASH + 4 && !strcmp(name + 64, ".zst"))))
                continue;
            if (ckpt_unhex(name, 2 * CKPT_HASH, h) < 0) continue;
            if (smap_get(used, (const char *)h, CKPT_HASH)) continue;
            if (unlinkat(fd, name, 0) == 0) removed++;
        }
        closedir(d);
    }
    smap_free(used);
    return removed;
}

int ckpt_gc(ckpt_store *s, rae_err *err) {
    if (ckpt_lock(s, LOCK_EX, err) < 0) return -1;
    int rc = gc_locked(s, err);
    ckpt_unlock(s);
    return rc;
}

int ckpt_delete(ckpt_store *s, const char *id, rae_err *err) {
    if (ckpt_id_check(id) < 0) return rae_err_set(err, RAE_E_NOT_FOUND, "no checkpoint '%s'", id);
    if (ckpt_lock(s, LOCK_EX, err) < 0) return -1;
    int rc = 0;
    if (unlinkat(s->mansfd, id, 0) < 0) {
        rc = errno == ENOENT
                 ? rae_err_set(err, RAE_E_NOT_FOUND, "no checkpoint '%s'", id)
                 : rae_err_fail(err, "%s/manifests/%s: unlink: %s", s->dir, id, strerror(errno));
    } else if (s->sync && fsync(s->mansfd) < 0) {
        rc = rae_err_fail(err, "%s/manifests: fsync: %s", s->dir, strerror(errno));
    } else {
        rae_err e2;
        gc_locked(s, &e2); /* a damaged manifest keeps every blob: safe */
    }
    ckpt_unlock(s);
    return rc;
}

int ckpt_prune(ckpt_store *s, int keep_auto, rae_err *err) {
    if (keep_auto < 0) keep_auto = 0;
    if (ckpt_lock(s, LOCK_EX, err) < 0) return -1;
    ckpt_info *v;
    size_t n;
    if (list_locked(s, &v, &n, err) < 0) {
        ckpt_unlock(s);
        return -1;
    }
    int deleted = 0, kept = 0, rc = 0;
    for (size_t i = n; i-- > 0;) {
        if (!v[i].automatic || v[i].damaged) continue;
        if (kept < keep_auto) {
            kept++;
            continue;
        }
        if (unlinkat(s->mansfd, v[i].id, 0) < 0 && errno != ENOENT) {
            rc = rae_err_fail(err, "%s/manifests/%s: unlink: %s", s->dir, v[i].id, strerror(errno));
            break;
        }
        deleted++;
    }
    free(v);
    if (deleted && s->sync && fsync(s->mansfd) < 0)
        rc = rae_err_fail(err, "%s/manifests: fsync: %s", s->dir, strerror(errno));
    if (rc == 0 && deleted) {
        rae_err e2;
        gc_locked(s, &e2);
    }
    ckpt_unlock(s);
    return rc < 0 ? -1 : deleted;
}

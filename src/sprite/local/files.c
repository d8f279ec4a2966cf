/* A sprite's files, confined to its workspace: every path is resolved by the kernel with
 * openat2(RESOLVE_BENEATH) from the workspace's directory, so neither ".." nor a symlink the sprite
 * planted (to /etc/shadow, to another sprite) leads out, whatever the sprite does meanwhile. */
#include "sprite/local/local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Normalises a sprite path into out, relative to the directory mounted at mount ("/workspace" or
 * "/tmp"; "" for that directory itself): "/workspace/har/a.har", "har/a.har" and "har//./a.har"
 * are the same (relative paths are the workspace's). */
static int norm_in(const char *mount, const char *path, char *out, size_t n, rae_err *err) {
    const char *p = path ? path : "";
    size_t m = strlen(mount);
    if (strncmp(p, mount, m) == 0 && (p[m] == '/' || !p[m]))
        p += m;
    else if (*p == '/' || strcmp(mount, "/workspace") != 0)
        return rae_err_set(err, RAE_E_INVALID, "%s: outside %s", path, mount);
    size_t len = 0;
    while (*p) {
        while (*p == '/')
            p++;
        size_t c = strcspn(p, "/");
        if (c == 0) break;
        if (c == 2 && strncmp(p, "..", 2) == 0)
            return rae_err_set(err, RAE_E_INVALID, "%s: '..' leads out of %s", path, mount);
        if (!(c == 1 && *p == '.')) {
            if (len + c + 2 > n) return rae_err_set(err, RAE_E_INVALID, "%s: path too long", path);
            if (len) out[len++] = '/';
            memcpy(out + len, p, c);
            len += c;
        }
        p += c;
    }
    out[len] = 0;
    return 0;
}

static int norm(const char *path, char *out, size_t n, rae_err *err) {
    return norm_in("/workspace", path, out, n, err);
}

static int openat2_how(int dirfd, const char *path, int flags, int mode, unsigned long long how_) {
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .mode = (unsigned long long)mode,
                           .resolve = how_};
    return (int)syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof how);
}

static int openat2_beneath(int dirfd, const char *path, int flags, int mode) {
    return openat2_how(dirfd, path, flags, mode, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
}

static int fail_open(const char *path, rae_err *err) {
    if (errno == EXDEV || errno == ELOOP)
        return rae_err_set(err, RAE_E_INVALID, "/workspace/%s: leads out of the workspace", path);
    if (errno == ENOENT || errno == ENOTDIR)
        return rae_err_set(err, RAE_E_NOT_FOUND, "/workspace/%s: no such file", path);
    return rae_err_fail(err, "/workspace/%s: %s", path, strerror(errno));
}

static int workspace_fd(const lsprite *s, rae_err *err) {
    char ws[PATH_MAX + 16];
    local_workspace(s, ws, sizeof ws);
    int fd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return rae_err_fail(err, "%s: %s", ws, strerror(errno));
    return fd;
}

/* rel (normalised) opened beneath the workspace with flags. */
static int resolve(const lsprite *s, const char *rel, int flags, rae_err *err) {
    int ws = workspace_fd(s, err);
    if (ws < 0) return -1;
    int fd = openat2_beneath(ws, rel, flags, 0);
    if (fd < 0) fail_open(rel, err);
    close(ws);
    return fd;
}

/* Hands a new file or directory to the sprite's uid (when rae runs as root). */
static void give(const lsprite *s, int fd) {
    if (geteuid() == 0) fchownat(fd, "", s->uid, s->gid, AT_EMPTY_PATH);
}

int local_files_open_sprite_dir(const lsprite *s, const char *path, rae_err *err) {
    const char *mount = strncmp(path, "/tmp", 4) == 0 ? "/tmp" : "/workspace";
    char rel[PATH_MAX], base[PATH_MAX + 16];
    if (norm_in(mount, path, rel, sizeof rel, err) < 0) return -1;
    if (strcmp(mount, "/tmp") == 0)
        local_tmp(s, base, sizeof base);
    else
        local_workspace(s, base, sizeof base);
    int dir = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return rae_err_fail(err, "%s: %s", base, strerror(errno));
    /* the server connects to sockets here: no symlink at all, not even one inside the sprite */
    int fd = openat2_how(dir, rel, O_PATH | O_DIRECTORY, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (fd < 0) {
        int out = errno == EXDEV || errno == ELOOP;
        rae_err_set(err,
                    out               ? RAE_E_INVALID
                    : errno == ENOENT ? RAE_E_NOT_FOUND
                                      : RAE_E_FAIL,
                    "%s: %s", path, out ? "leads out of the sprite" : strerror(errno));
    }
    close(dir);
    return fd;
}

int local_files_open_dir(const lsprite *s, const char *path, int create, rae_err *err) {
    char rel[PATH_MAX];
    if (norm(path, rel, sizeof rel, err) < 0) return -1;
    if (!create) return resolve(s, rel, O_PATH | O_DIRECTORY, err);
    int cur = workspace_fd(s, err);
    for (char *p = rel; cur >= 0 && *p;) {
        size_t c = strcspn(p, "/");
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)c, p);
        int next = openat2_beneath(cur, part, O_PATH | O_DIRECTORY, 0);
        if (next < 0 && errno == ENOENT && mkdirat(cur, part, 0755) == 0) {
            next = openat2_beneath(cur, part, O_PATH | O_DIRECTORY, 0);
            if (next >= 0) give(s, next);
        }
        if (next < 0) fail_open(rel, err);
        close(cur);
        cur = next;
        p += c;
        while (*p == '/')
            p++;
    }
    return cur;
}

/* Splits rel into its parent directory (opened, made when create) and its last name. */
static int parent_of(const lsprite *s, const char *path, int create, char *base, size_t n,
                     rae_err *err) {
    char rel[PATH_MAX];
    if (norm(path, rel, sizeof rel, err) < 0) return -1;
    if (!*rel) return rae_err_set(err, RAE_E_INVALID, "%s: the workspace itself", path ? path : "");
    char *slash = strrchr(rel, '/');
    int len = snprintf(base, n, "%s", slash ? slash + 1 : rel);
    if (len < 0 || (size_t)len >= n)
        return rae_err_set(err, RAE_E_INVALID, "%s: name too long", path);
    if (slash)
        *slash = 0;
    else
        rel[0] = 0;
    return local_files_open_dir(s, rel, create, err);
}

static int cmp_file(const void *a, const void *b) {
    return strcmp(((const rae_sprite_file *)a)->name, ((const rae_sprite_file *)b)->name);
}

static void stat_to_file(const char *name, const struct stat *sb, rae_sprite_file *f) {
    snprintf(f->name, sizeof f->name, "%s", name);
    f->type = S_ISREG(sb->st_mode)   ? 'f'
              : S_ISDIR(sb->st_mode) ? 'd'
              : S_ISLNK(sb->st_mode) ? 'l'
                                     : '?';
    f->size = (unsigned long long)sb->st_size;
    f->mtime = (double)sb->st_mtim.tv_sec + sb->st_mtim.tv_nsec / 1e9;
}

int local_files_list(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                     size_t *count, rae_err *err) {
    lsprite s;
    char rel[PATH_MAX];
    *out = NULL;
    *count = 0;
    if (local_use((local *)d, name, &s, err) < 0) return -1;
    if (norm(path, rel, sizeof rel, err) < 0) return -1;
    int fd = resolve(&s, rel, O_RDONLY | O_DIRECTORY, err);
    if (fd < 0) return -1;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return rae_err_fail(err, "/workspace/%s: %s", rel, strerror(errno));
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, cap * sizeof **out);
            if (!*out) abort();
        }
        stat_to_file(de->d_name, &sb, &(*out)[(*count)++]);
    }
    closedir(dir);
    if (*count) qsort(*out, *count, sizeof **out, cmp_file);
    return 0;
}

int local_files_open(rae_sprites *d, const char *name, const char *path, rae_err *err) {
    lsprite s;
    char rel[PATH_MAX];
    if (local_use((local *)d, name, &s, err) < 0) return -1;
    if (norm(path, rel, sizeof rel, err) < 0) return -1;
    int fd = resolve(&s, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK, err);
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
        close(fd);
        return rae_err_fail(err, "/workspace/%s: not a regular file", rel);
    }
    if (fd >= 0) fcntl(fd, F_SETFL, 0);
    return fd;
}

/* Copies in to out, stopping (-1, ENOSPC) beyond limit bytes. */
static int copy_limited(int in, int out, unsigned long long limit) {
    char chunk[1 << 16];
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(in, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return (int)n;
        if ((total += (unsigned long long)n) > limit) {
            errno = EDQUOT;
            return -1;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, chunk + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -1;
            done += w;
        }
    }
}

int local_files_put(rae_sprites *d, const char *name, const char *path, int fd, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    char base[256], tmp[300];
    if (local_use(l, name, &s, err) < 0) return -1;
    int dir = parent_of(&s, path, 1, base, sizeof base, err);
    if (dir < 0) return -1;
    unsigned long long used = local_disk_used(&s);
    unsigned long long room = used < s.lim.disk_quota ? s.lim.disk_quota - used : 0;
    snprintf(tmp, sizeof tmp, ".rae-put.%d.%s", (int)getpid(), base);
    int out = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    int rc = out < 0 ? -1 : copy_limited(fd, out, room);
    if (rc == 0) give(&s, out);
    if (out >= 0 && close(out) < 0) rc = -1;
    if (rc == 0 && renameat(dir, tmp, dir, base) < 0) rc = -1;
    if (rc < 0) {
        int e = errno;
        if (out >= 0) unlinkat(dir, tmp, 0);
        if (e == EDQUOT || e == ENOSPC)
            rae_err_fail(err, "%s: the workspace's disk quota (%llu MB) would be exceeded", path,
                         s.lim.disk_quota >> 20);
        else
            rae_err_fail(err, "%s: cannot write: %s", path, strerror(e));
    }
    close(dir);
    return rc < 0 ? -1 : 0;
}

/* Removes name in the directory dir, recursively. */
static int remove_at(int dir, const char *name) {
    struct stat sb;
    if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) return -1;
    if (!S_ISDIR(sb.st_mode)) return unlinkat(dir, name, 0);
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0) close(fd);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && remove_at(dirfd(d), de->d_name))
            rc = -1;
    closedir(d);
    return rc < 0 ? -1 : unlinkat(dir, name, AT_REMOVEDIR);
}

int local_files_remove(rae_sprites *d, const char *name, const char *path, rae_err *err) {
    lsprite s;
    char base[256];
    if (local_use((local *)d, name, &s, err) < 0) return -1;
    int dir = parent_of(&s, path, 0, base, sizeof base, err);
    if (dir < 0) return -1;
    /* an O_PATH fd cannot be read: reopen the parent for the walk */
    int rd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = rd < 0 ? -1 : remove_at(rd, base);
    int e = errno;
    if (rd >= 0) close(rd);
    close(dir);
    if (rc < 0)
        return rae_err_set(err, e == ENOENT ? RAE_E_NOT_FOUND : RAE_E_FAIL, "%s: %s", path,
                           e == ENOENT ? "no such file" : strerror(e));
    return 0;
}

int local_files_rename(rae_sprites *d, const char *name, const char *from, const char *to,
                       rae_err *err) {
    lsprite s;
    char a[256], b[256];
    if (local_use((local *)d, name, &s, err) < 0) return -1;
    int da = parent_of(&s, from, 0, a, sizeof a, err);
    if (da < 0) return -1;
    int db = parent_of(&s, to, 1, b, sizeof b, err);
    int rc = db < 0 ? -1 : renameat(da, a, db, b);
    if (db >= 0 && rc < 0) rae_err_fail(err, "%s -> %s: %s", from, to, strerror(errno));
    close(da);
    if (db >= 0) close(db);
    return rc < 0 ? -1 : 0;
}

/* util/fsutil (fsutil.h). */
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_write_all(int fd, const void *p, size_t n) {
    const char *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        if (w == 0) return errno = EIO, -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int make_one(const char *path, mode_t mode) {
    if (mkdir(path, mode) == 0) return 0;
    int e = errno;
    struct stat sb;
    if (e == EEXIST && stat(path, &sb) == 0) return S_ISDIR(sb.st_mode) ? 0 : (errno = ENOTDIR, -1);
    errno = e;
    return -1;
}

int fs_mkdirs(const char *path, mode_t parents_mode, mode_t mode) {
    char p[PATH_MAX];
    if (!*path || snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return errno = *path ? ENAMETOOLONG : ENOENT, -1;
    for (char *c = p + 1; *c; c++) {
        if (*c != '/' || c[1] == '\0') continue;
        *c = '\0';
        int rc = make_one(p, parents_mode);
        *c = '/';
        if (rc < 0) return -1;
    }
    return make_one(p, mode);
}

/* The folder of path flushed to disk (its new entry with it). */
static int sync_dir(const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd) < 0 && errno != EINVAL ? -1 : 0; /* some filesystems cannot: fine */
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int fs_replace(const char *path, mode_t mode, fs_fill_fn *fill, void *ctx) {
    char tmp[PATH_MAX + 16];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        return errno = ENAMETOOLONG, -1;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "w");
    int rc = f && fchmod(fd, mode) == 0 && fill(f, ctx) == 0 && fflush(f) == 0 && fsync(fd) == 0
                 ? 0
                 : -1;
    int e = errno;
    int closed = f ? fclose(f) : close(fd);
    if (closed != 0 && rc == 0) rc = -1, e = errno;
    if (rc == 0 && rename(tmp, path) < 0) rc = -1, e = errno;
    if (rc < 0) {
        unlink(tmp);
        errno = e ? e : EIO;
        return -1;
    }
    return sync_dir(path);
}

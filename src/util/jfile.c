#include "util/jfile.h"
#include "util/err.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int jfile_replace(const json_t *j, const char *path, mode_t mode, size_t flags, char *err,
                  size_t errlen) {
    char tmp[PATH_MAX + 16];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        return err_set(err, errlen, "%s: the path is too long", path);
    int fd = mkstemp(tmp); /* a name of its own: two writers never share a temporary file */
    if (fd < 0) return err_set(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    int rc = f && fchmod(fd, mode) == 0 && json_dumpf(j, f, flags) == 0 ? 0 : -1;
    if (f ? fclose(f) != 0 : close(fd) != 0) rc = -1;
    if (rc == 0 && rename(tmp, path) == 0) return 0;
    int e = errno;
    unlink(tmp);
    return err_set(err, errlen, "%s: cannot write: %s", path, strerror(e));
}

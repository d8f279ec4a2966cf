#include "util/jfile.h"
#include "rae/err.h"
#include "util/fsutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct dump {
    const json_t *j;
    size_t flags;
} dump;

static int fill(FILE *f, void *ctx) {
    const dump *d = ctx;
    return json_dumpf(d->j, f, d->flags) == 0 ? 0 : (errno = errno ? errno : EIO, -1);
}

int jfile_replace(const json_t *j, const char *path, mode_t mode, size_t flags, rae_err *err) {
    dump d = {j, flags};
    if (fs_replace(path, mode, fill, &d) < 0)
        return rae_err_fail(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

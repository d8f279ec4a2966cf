/* jfile: a JSON file replaced whole and atomically (fs_replace), safe when several threads or
 * processes write the same file at once: a reader sees the old or the new, never a mix. */
#ifndef RAE_UTIL_JFILE_H
#define RAE_UTIL_JFILE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "rae/err.h"

/* Writes j (borrowed) to path with the given mode and jansson dump flags. 0, or -1 with err
 * naming the file. */
int jfile_replace(const json_t *j, const char *path, mode_t mode, size_t flags, rae_err *err);

#endif

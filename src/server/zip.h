/* zip: a ZIP archive built in memory (stored, not compressed: the files are small text and the
 * point is one download), for downloading a directory of a sprite. */
#ifndef RAE_SERVER_ZIP_H
#define RAE_SERVER_ZIP_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"

typedef struct zipw {
    buf out;     /* the archive so far: local headers and data */
    buf central; /* the central directory, appended by zip_finish */
    unsigned count;
} zipw;

/* Adds file name (a relative path with '/') holding data[0..n). -1 when the archive would pass
 * the 4 GB of a ZIP without its 64-bit extension. */
int zip_add(zipw *z, const char *name, const char *data, size_t n, time_t mtime);
/* Ends the archive: z->out is then the whole file. */
void zip_finish(zipw *z);
/* Frees both buffers. */
void zip_free(zipw *z);

#endif

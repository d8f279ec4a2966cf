/* zip: a ZIP archive of files of a sprite, made piece by piece as it is sent (stored, not
 * compressed: the point is one download), so that a directory of any size goes out with one
 * piece in memory. Each file's CRC and sizes follow its data (a data descriptor), so nothing is
 * read twice; a file that cannot be opened when its turn comes is left out. APPNOTE 6.3, UTF-8
 * names, no ZIP64: an archive past 4 GB ends with an error. */
#ifndef RAE_SERVER_ZIP_H
#define RAE_SERVER_ZIP_H

#include <stddef.h>
#include <time.h>

#include "rae/sprite.h"

#define ZIP_FILES_MAX 0xffff /* entries a ZIP without its 64-bit extension holds */

typedef struct zip_stream zip_stream;

/* An archive of files of sprite (borrowed: it outlives the stream). Caller frees with
 * zip_stream_free. */
zip_stream *zip_stream_new(rae_sprites *sprites, const char *sprite);
void zip_stream_free(void *z);
/* Adds the file at path (in the sprite) as name (a relative path with '/'); -1 past
 * ZIP_FILES_MAX. */
int zip_stream_add(zip_stream *z, const char *path, const char *name, time_t mtime);
/* The next piece of the archive into out (at most cap bytes, cap >= 64): its length, 0 at the end,
 * -1 when it cannot go on (a read failed, or 4 GB were passed). Blocks on the sprite's files: on a
 * worker thread. */
long zip_stream_fill(void *z, char *out, size_t cap);

#endif

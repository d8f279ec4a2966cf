/* util/fsutil: file plumbing every module needs once. Writing all of a buffer, making a folder
 * with its parents, and replacing a file whole. Each returns 0, or -1 with errno set. */
#ifndef RAE_UTIL_FSUTIL_H
#define RAE_UTIL_FSUTIL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Writes all n bytes at p to fd, again after EINTR and short writes. */
int fs_write_all(int fd, const void *p, size_t n);

/* mkdir -p: the missing parents of path made with parents_mode, path itself with mode. An
 * existing directory is fine; an existing file of another kind is ENOTDIR. */
int fs_mkdirs(const char *path, mode_t parents_mode, mode_t mode);

/* Replaces path whole: fill(f, ctx) writes the new content into a temporary file of its own
 * beside it (mode), which is flushed to disk and renamed over path; then the folder is flushed,
 * so that after a crash path holds the old content or the new, never a mix or nothing. Two
 * writers at once never share a temporary file (the last rename wins). fill returns 0, or -1
 * with errno. */
typedef int fs_fill_fn(FILE *f, void *ctx);
int fs_replace(const char *path, mode_t mode, fs_fill_fn *fill, void *ctx);

#endif

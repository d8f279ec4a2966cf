/* ckpt: the checkpoint store of a workspace. Content-addressed (BLAKE2b-256 of each file), so a
 * checkpoint only stores the files that changed; a checkpoint exists iff its manifest was renamed
 * into the store, so a crash (kill -9, or a power loss: see ckpt_store_set_sync) keeps every
 * earlier one. Restore builds the tree beside the workspace and swaps it in atomically. On-disk
 * format and guarantees: docs/checkpoints.md. */
#ifndef RAE_CKPT_H
#define RAE_CKPT_H

#include <stddef.h>

#include "rae/err.h"

typedef struct ckpt_store ckpt_store;

typedef struct ckpt_info {
    char id[32]; /* "c000007-20261129T133000": sequence number, then UTC time; sorts by creation */
    double time; /* unix seconds */
    char comment[256];
    int automatic; /* 1: made by rae (retention applies); 0: manual (kept until deleted) */
    unsigned long long files, bytes; /* regular files of the tree and their bytes */
    unsigned long long added;        /* bytes of new blobs this checkpoint stored (on disk) */
    unsigned long long dirs, symlinks;
    unsigned long long skipped;    /* sockets, FIFOs, devices: not in the checkpoint */
    unsigned long long read_files; /* files read and hashed; the rest were known unchanged */
    unsigned long long read_bytes;
    int damaged; /* ckpt_list: the manifest's header could not be read (only id is set) */
} ckpt_info;

/* Opens, creating if needed, the store in dir (removing leftovers of an interrupted write).
 * zstd_level 0 = store blobs uncompressed. Caller frees with ckpt_store_free. NULL + err on
 * failure. A handle serves one thread at a time; handles (in threads or processes) are serialised
 * by a lock file in dir. */
ckpt_store *ckpt_store_open(const char *dir, int zstd_level, rae_err *err);
void ckpt_store_free(ckpt_store *s);
/* What survives a power loss (a killed process never loses anything, whatever the level):
 * CKPT_SYNC_STORE (the default) fsyncs the store, so that every checkpoint made survives; the
 * workspace is treated like any working tree (as git treats its checkout): a restore is not
 * fsynced, and one caught by a power loss may have to be done again. CKPT_SYNC_ALL also makes
 * a restored tree durable (syncfs) before it is swapped in. CKPT_SYNC_NONE: no fsync at all. */
enum { CKPT_SYNC_NONE = 0, CKPT_SYNC_STORE = 1, CKPT_SYNC_ALL = 2 };
void ckpt_store_set_sync(ckpt_store *s, int level);

/* Snapshots the tree under root: regular files, directories, symlinks (as links, never
 * followed), with mode, uid, gid, mtime; other file types are skipped and counted. A file whose
 * size, mtime (ns), inode and device equal the store's index (the last checkpoint or restore) is
 * not read again. out may be NULL. */
int ckpt_create(ckpt_store *s, const char *root, const char *comment, int automatic, ckpt_info *out,
                rae_err *err);
/* All checkpoints, oldest first (caller frees *out with free()). */
int ckpt_list(ckpt_store *s, ckpt_info **out, size_t *n, rae_err *err);
/* -1 + "no checkpoint 'X'" when there is none. */
int ckpt_get(ckpt_store *s, const char *id, ckpt_info *out, rae_err *err);
/* Makes root exactly the checkpoint's tree, atomically: the new tree is built beside root (same
 * filesystem) and swapped in with renameat2(RENAME_EXCHANGE) (fallback: two renames), then the
 * old tree is removed. On any failure root is untouched. root need not exist; it must not be a
 * mount point. A process with its cwd (or a bind mount) in root keeps seeing the old tree. */
int ckpt_restore(ckpt_store *s, const char *id, const char *root, rae_err *err);
int ckpt_delete(ckpt_store *s, const char *id, rae_err *err);
/* Keeps the newest keep_auto automatic checkpoints and every manual one; deletes the rest and the
 * blobs no checkpoint uses. Returns the number deleted. */
int ckpt_prune(ckpt_store *s, int keep_auto, rae_err *err);
/* Removes blobs no manifest references (called by delete/prune). Returns the number removed; -1
 * when a manifest cannot be read (then nothing is removed). */
int ckpt_gc(ckpt_store *s, rae_err *err);

#endif

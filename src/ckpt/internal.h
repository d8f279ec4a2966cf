/* ckpt internals shared by ckpt.c (the store), manifest.c (manifests, the index, paths),
 * create.c and restore.c. Layout of the store:
 *   DIR/format            "rae-checkpoints 1"
 *   DIR/lock              flock: exclusive to write (create, delete, prune, gc), shared to read
 *   DIR/manifests/ID      one per checkpoint; renamed in last, so a checkpoint exists iff it does
 *   DIR/blobs/XX/HEX      file contents by BLAKE2b-256 (HEX; XX its first byte), raw
 *   DIR/blobs/XX/HEX.zst  or one zstd frame
 *   DIR/tmp/              everything being written; emptied under the exclusive lock
 *   DIR/seq               the last sequence number given to an id (ids are not reused)
 *   DIR/index-H           per workspace (H: hash of its path): path -> (dev, ino, size, mtime,
 *                         ctime, hash) of the last tree seen there; a cache, never fsynced,
 *                         ignored when unreadable */
#ifndef RAE_CKPT_INTERNAL_H
#define RAE_CKPT_INTERNAL_H

#include "rae/err.h"

#include <stddef.h>
#include <sys/stat.h>

#include "rae/arena.h"
#include "ckpt/ckpt.h"
#include "util/buf.h"
#include "util/map.h"

#define CKPT_HASH 32

struct ckpt_store {
    char *dir;
    int dirfd, blobsfd, mansfd, tmpfd, lockfd;
    int level; /* zstd level of new blobs; 0: raw */
    int sync;  /* CKPT_SYNC_* */
    dev_t dev; /* of dir: a tree that holds the store cannot be checkpointed */
    ino_t ino;
};

typedef struct ckpt_entry {
    char type; /* 'f' file, 'd' directory, 'l' symlink */
    unsigned mode;
    unsigned uid, gid;
    long long mtime; /* ns */
    unsigned long long size;
    unsigned char hash[CKPT_HASH]; /* 'f' */
    char *path;                    /* relative to the root, '/'-separated; "." is the root */
    char *target;                  /* 'l' */
    /* create/restore only, for the index */
    unsigned long long dev, ino;
    long long ctime;
    int racy; /* changed while read, or too recently to trust its mtime: not indexed */
} ckpt_entry;

typedef struct ckpt_manifest {
    ckpt_info info;
    ckpt_entry **e;
    size_t n, cap;
    arena *a;
} ckpt_manifest;

typedef struct ckpt_idx {
    unsigned long long dev, ino, size;
    long long mtime, ctime;
    unsigned char hash[CKPT_HASH];
} ckpt_idx;

/* strerror(e), saying which disk is full for ENOSPC. */
const char *ckpt_errtext(int e);
/* Fills err with the message; returns -1. */
/* flock(LOCK_SH or LOCK_EX) of the store's lock file. */
int ckpt_lock(ckpt_store *s, int op, rae_err *err);
void ckpt_unlock(ckpt_store *s);
/* Empties DIR/tmp (the caller holds the exclusive lock). */
void ckpt_tmp_clean(ckpt_store *s);
/* A name for a new temporary file in DIR/tmp: PREFIX-PID-N, N from *seq. */
void ckpt_tmp_name(char *out, size_t n, const char *prefix, unsigned long long seq);
/* -1 + err when the directory open as rootfd holds the store (root is the store or above it). */
int ckpt_check_outside(ckpt_store *s, int rootfd, const char *root, rae_err *err);
/* Removes name (a file or a whole tree) under dirfd, never following a symlink. */
int ckpt_rm_tree(int dirfd, const char *name);
/* fsync of the file system holding fd (syncfs), when s->sync is at least CKPT_SYNC_STORE. */
int ckpt_syncfs(ckpt_store *s, int fd, const char *what, rae_err *err);

void ckpt_hex(const unsigned char h[CKPT_HASH], char out[2 * CKPT_HASH + 1]);
int ckpt_unhex(const char *s, size_t n, unsigned char h[CKPT_HASH]);
/* "XX/HEX" or "XX/HEX.zst", relative to DIR/blobs. */
void ckpt_blob_name(const unsigned char h[CKPT_HASH], int zst, char out[80]);
/* 1 when the blob is in the store (*zst says which kind, *st its stat if st), 0 when not. */
int ckpt_blob_find(ckpt_store *s, const unsigned char h[CKPT_HASH], int *zst, struct stat *st);

/* Appends s with bytes <= ' ', '%' and 0x7f as %XX. */
void ckpt_escape(buf *b, const char *s);
/* Tree order: byte order with '/' before every other byte, so a directory's entries follow it. */
int ckpt_path_cmp(const char *a, const char *b);
/* 0 when path is "." or a relative path of non-empty components other than "." and "..". */
int ckpt_path_check(const char *path);
/* A checkpoint id: [A-Za-z0-9-], 1-31 bytes. */
int ckpt_id_check(const char *id);

/* Reads manifests/ID into m (m->a is made here; free with ckpt_manifest_free). full: the entries
 * too, checksum verified, paths validated and sorted in tree order; else the header only. */
int ckpt_manifest_load(ckpt_store *s, const char *id, int full, ckpt_manifest *m, rae_err *err);
void ckpt_manifest_free(ckpt_manifest *m);
/* Adds an entry allocated in m->a (zeroed). */
ckpt_entry *ckpt_manifest_add(ckpt_manifest *m);
/* Writes m (entries in tree order) as DIR/tmp/NAME, fdatasync'd when datasync. */
int ckpt_manifest_write(ckpt_store *s, const ckpt_manifest *m, const char *tmpname, int datasync,
                        rae_err *err);

/* The next id: one more than the largest sequence number given (DIR/seq) or in manifests/, then
 * the UTC time of now. */
void ckpt_next_id(ckpt_store *s, double now, char *id, size_t n);
/* Remembers id's sequence number so that a deleted id is not given again (a cache: no fsync). */
void ckpt_save_seq(ckpt_store *s, const char *id);

/* The index file of a workspace: "index-" and 32 hex digits of the BLAKE2b of its canonical path
 * (root need not exist; its parent must). */
void ckpt_index_name(const char *root, char out[48]);
/* The index (path -> ckpt_idx *, both in a), or an empty map. Caller frees with smap_free(). */
smap *ckpt_index_load(ckpt_store *s, const char *name, arena *a);
/* Replaces the index with the non-racy regular files of e (best effort: a cache). */
void ckpt_index_save(ckpt_store *s, const char *name, ckpt_entry *const *e, size_t n);

#endif

/* The streaming ZIP writer (zip.h): local header (CRC and sizes 0, flag 3), data, data descriptor
 * per file; then the central directory and its end. */
#include "server/zip.h"
#include "util/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLAGS 0x0808 /* bit 3: sizes in a data descriptor after the data; bit 11: UTF-8 names */

typedef struct zip_entry {
    char *path, *name; /* owned */
    time_t mtime;
    uint32_t crc, size, offset; /* known once its data went */
    int written;                /* it is in the archive (a file that could not be opened is not) */
} zip_entry;

enum zip_state { ZS_NEXT, ZS_DATA, ZS_CENTRAL, ZS_DONE };

struct zip_stream {
    rae_sprites *sprites; /* borrowed */
    char sprite[128];
    zip_entry *entries;
    size_t n, cap, at; /* at: the entry being written, or next */
    enum zip_state state;
    int fd;              /* the file being read, -1 none */
    uint64_t offset;     /* bytes of the archive made so far */
    buf pending;         /* made, not yet handed out */
    size_t taken;        /* of pending, handed out */
    uint32_t table[256]; /* CRC-32 (IEEE) by byte */
};

zip_stream *zip_stream_new(rae_sprites *sprites, const char *sprite) {
    zip_stream *z = calloc(1, sizeof *z);
    if (!z) abort();
    z->sprites = sprites;
    snprintf(z->sprite, sizeof z->sprite, "%s", sprite);
    z->fd = -1;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        z->table[i] = c;
    }
    return z;
}

void zip_stream_free(void *arg) {
    zip_stream *z = arg;
    if (!z) return;
    for (size_t i = 0; i < z->n; i++) {
        free(z->entries[i].path);
        free(z->entries[i].name);
    }
    free(z->entries);
    if (z->fd >= 0) close(z->fd);
    buf_free(&z->pending);
    free(z);
}

int zip_stream_add(zip_stream *z, const char *path, const char *name, time_t mtime) {
    if (z->n >= ZIP_FILES_MAX) return -1;
    if (z->n == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 64;
        z->entries = realloc(z->entries, z->cap * sizeof *z->entries);
        if (!z->entries) abort();
    }
    zip_entry *e = &z->entries[z->n++];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->name = strdup(name);
    if (!e->path || !e->name) abort();
    e->mtime = mtime;
    return 0;
}

static void le16(buf *b, unsigned v) {
    char c[2] = {(char)(v & 0xff), (char)((v >> 8) & 0xff)};
    buf_append(b, c, 2);
}

static void le32(buf *b, uint32_t v) {
    le16(b, v & 0xffff);
    le16(b, v >> 16);
}

/* MS-DOS date and time of t (local time, as unzip shows it). */
static void dos_time(time_t t, unsigned *date, unsigned *time_of_day) {
    struct tm tm;
    localtime_r(&t, &tm);
    if (tm.tm_year < 80) tm.tm_year = 80, tm.tm_mon = 0, tm.tm_mday = 1;
    *date = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    *time_of_day = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

/* The fields a local header and a central entry share, from "version needed" on. */
static void common(buf *b, const zip_entry *e, uint32_t crc, uint32_t size) {
    unsigned date, tod;
    dos_time(e->mtime, &date, &tod);
    le16(b, 20); /* version needed: 2.0 */
    le16(b, FLAGS);
    le16(b, 0); /* stored */
    le16(b, tod);
    le16(b, date);
    le32(b, crc);
    le32(b, size); /* compressed size */
    le32(b, size);
    le16(b, (unsigned)strlen(e->name));
    le16(b, 0); /* extra field length */
}

/* Opens the next file that can be opened and queues its local header; ZS_CENTRAL after the last. */
static void next_file(zip_stream *z) {
    for (; z->at < z->n; z->at++) {
        zip_entry *e = &z->entries[z->at];
        z->fd = rae_sprite_file_open(z->sprites, z->sprite, e->path, NULL);
        if (z->fd < 0) continue; /* gone since it was listed: left out */
        e->offset = (uint32_t)z->offset;
        le32(&z->pending, 0x04034b50);
        common(&z->pending, e, 0, 0);
        buf_append(&z->pending, e->name, strlen(e->name));
        z->state = ZS_DATA;
        return;
    }
    z->state = ZS_CENTRAL;
}

/* The file being read has ended: its data descriptor, then the next one. */
static void end_file(zip_stream *z) {
    zip_entry *e = &z->entries[z->at++];
    close(z->fd);
    z->fd = -1;
    e->written = 1;
    le32(&z->pending, 0x08074b50);
    le32(&z->pending, e->crc);
    le32(&z->pending, e->size);
    le32(&z->pending, e->size);
    z->state = ZS_NEXT;
}

/* The central directory and its end record. */
static void central(zip_stream *z) {
    uint64_t start = z->offset; /* pending is empty when it is made */
    unsigned count = 0;
    size_t before = z->pending.len;
    for (size_t i = 0; i < z->n; i++) {
        const zip_entry *e = &z->entries[i];
        if (!e->written) continue;
        le32(&z->pending, 0x02014b50);
        le16(&z->pending, 0x0314); /* made by: UNIX, 2.0 */
        common(&z->pending, e, e->crc, e->size);
        le16(&z->pending, 0);              /* comment length */
        le16(&z->pending, 0);              /* disk number */
        le16(&z->pending, 0);              /* internal attributes */
        le32(&z->pending, 0100644u << 16); /* external: a regular file, rw-r--r-- */
        le32(&z->pending, e->offset);
        buf_append(&z->pending, e->name, strlen(e->name));
        count++;
    }
    uint32_t size = (uint32_t)(z->pending.len - before);
    le32(&z->pending, 0x06054b50);
    le16(&z->pending, 0);
    le16(&z->pending, 0);
    le16(&z->pending, count);
    le16(&z->pending, count);
    le32(&z->pending, size);
    le32(&z->pending, (uint32_t)start);
    le16(&z->pending, 0); /* comment length */
    z->state = ZS_DONE;
}

/* Reads the current file's next bytes into out: their count, 0 at its end, -1 on an error. */
static long read_data(zip_stream *z, char *out, size_t cap) {
    zip_entry *e = &z->entries[z->at];
    ssize_t n;
    do
        n = read(z->fd, out, cap);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return n < 0 ? -1 : 0;
    if ((uint64_t)e->size + (uint64_t)n > 0xffffffffu) return -1; /* no ZIP64 */
    uint32_t c = ~e->crc;
    for (ssize_t i = 0; i < n; i++)
        c = z->table[(c ^ (unsigned char)out[i]) & 0xff] ^ (c >> 8);
    e->crc = ~c;
    e->size += (uint32_t)n;
    return n;
}

long zip_stream_fill(void *arg, char *out, size_t cap) {
    zip_stream *z = arg;
    long n = 0;
    while (z->pending.len == z->taken && z->state != ZS_DONE) {
        buf_reset(&z->pending);
        z->taken = 0;
        if (z->state == ZS_NEXT) {
            next_file(z);
        } else if (z->state == ZS_CENTRAL) {
            central(z);
        } else if ((n = read_data(z, out, cap)) != 0) {
            break;
        } else {
            end_file(z);
        }
    }
    if (n == 0) { /* what was made waits in pending */
        size_t avail = z->pending.len - z->taken;
        n = (long)(avail < cap ? avail : cap);
        memcpy(out, z->pending.data + z->taken, (size_t)n);
        z->taken += (size_t)n;
    }
    if (n < 0 || z->offset + (uint64_t)n > 0xffffffffu) return -1; /* no ZIP64 */
    z->offset += (uint64_t)n;
    return n;
}
